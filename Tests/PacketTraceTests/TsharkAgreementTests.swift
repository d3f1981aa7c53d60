import Testing
import Decode
@testable import PacketTrace

/// Every frame of every decode fixture, field by field, against tshark's reading of the same file
/// (`Tests/Fixtures/decode/NAME.tshark.tsv`, made as its README says).
@Suite("Agreement with tshark on real captures")
struct TsharkAgreementTests {
    static let fixtures = [
        "ethernet-tcp-nfsv3.pcap", "gzip.pcap.gz", "ipv4-fragments.pcap", "ipv6.pcap",
        "linux-sll-v1.pcap", "linux-sll2.pcap", "malformed-fuzzed.pcap", "pcap-big-endian.pcap",
        "pcap-nanosecond.pcap", "pcapng-two-link-types.pcapng", "snaplen-96-truncated.pcap",
        "vlan-8021q.pcap",
    ]

    /// pktt's value for each tshark field it decodes, in tshark's notation.
    static func fields(_ r: PacketRecord, _ p: Packet) -> [String: String] {
        var f: [String: String] = [
            "frame.number": "\(r.frame)", "frame.len": "\(r.lengthOriginal)", "frame.cap_len": "\(r.lengthIncluded)",
        ]
        if p.has(.ethernet) {
            f["eth.src"] = p.ethernet.src.description
            f["eth.dst"] = p.ethernet.dst.description
        }
        if p.vlanCount > 0 { f["vlan.id"] = "\(p.vlans[0].id)" }
        if p.has(.sll) { f["sll.pkttype"] = "\(p.sll.packetType)" }
        if p.has(.ipv4) {
            let ip = p.ipv4
            f["ip.version"] = "4"
            f["ip.hdr_len"] = "\(ip.headerLength)"
            f["ip.len"] = "\(ip.totalLength)"
            f["ip.id"] = "0x" + hex(ip.id, 4)
            f["ip.flags.df"] = ip.flagDF ? "1" : "0"
            f["ip.flags.mf"] = ip.flagMF ? "1" : "0"
            f["ip.frag_offset"] = "\(ip.fragmentOffset / 8)"  // tshark counts 8-byte units
            f["ip.ttl"] = "\(ip.ttl)"
            f["ip.proto"] = "\(ip.protocolNumber)"
            f["ip.src"] = ip.src.description
            f["ip.dst"] = ip.dst.description
        }
        if p.has(.ipv6) {
            f["ip.version"] = "6"
            f["ipv6.src"] = p.ipv6.src.description
            f["ipv6.dst"] = p.ipv6.dst.description
            f["ipv6.nxt"] = "\(p.ipv6.firstNextHeader)"
            f["ipv6.hlim"] = "\(p.ipv6.hopLimit)"
        }
        if p.has(.tcp) {
            let t = p.tcp
            f["tcp.srcport"] = "\(t.srcPort)"
            f["tcp.dstport"] = "\(t.dstPort)"
            f["tcp.seq"] = "\(t.seq)"
            f["tcp.seq_raw"] = "\(t.seqRaw)"
            f["tcp.ack"] = "\(t.ack)"
            f["tcp.ack_raw"] = "\(t.ackRaw)"
            f["tcp.hdr_len"] = "\(t.headerLength)"
            f["tcp.flags"] = "0x" + hex(t.flags, 4)
            f["tcp.window_size_value"] = "\(t.window)"
            f["tcp.len"] = "\(t.payloadLength)"
            if t.mss >= 0 { f["tcp.options.mss_val"] = "\(t.mss)" }
            if t.windowScale >= 0 { f["tcp.options.wscale.shift"] = "\(t.windowScale)" }
            if t.hasTimestamps {
                f["tcp.options.timestamp.tsval"] = "\(t.tsval)"
                f["tcp.options.timestamp.tsecr"] = "\(t.tsecr)"
            }
            if t.sackPermitted { f["tcp.options.sack_perm"] = "0402" }
        }
        if p.has(.udp) {
            f["udp.srcport"] = "\(p.udp.srcPort)"
            f["udp.dstport"] = "\(p.udp.dstPort)"
            f["udp.length"] = "\(p.udp.length)"
        }
        return f
    }

    static func hex<T: BinaryInteger>(_ v: T, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// Fields tshark reads from a header nested inside another (the IP and TCP/UDP headers an
    /// ICMP error quotes, or a tunnel's inner packet): pktt decodes the outer headers only, and
    /// tshark's first occurrence is the outer one, except for the transport fields the outer
    /// packet does not have.
    static func quotedInICMP(_ row: [String: String]) -> Bool {
        row["ip.proto"] == "1" || row["ipv6.nxt"] == "58"
    }

    @Test("Frame count and every field tshark shows", arguments: fixtures)
    func agree(fixture: String) throws {
        let name = String(fixture.prefix { $0 != "." })
        let expected = try Fixtures.tsharkTable("decode/\(name).tshark.tsv")
        let trace = try Pktt(files: [Fixtures.path("decode/\(fixture)")])
        var rows: [[String: String]] = []
        while try trace.next() { rows.append(Self.fields(trace.record, trace.packet)) }
        #expect(rows.count == expected.count, "\(fixture): frame count")
        var mismatches: [String] = []
        for (ours, theirs) in zip(rows, expected) {
            for (field, value) in theirs where ours[field] != value {
                if field.hasPrefix("tcp.") || field.hasPrefix("udp."), Self.quotedInICMP(theirs), ours[field] == nil { continue }
                // tshark masks the flags to 12 bits with the reserved ones; pktt keeps the nine named.
                if field == "tcp.flags", let v = UInt16(value.dropFirst(2), radix: 16), ours[field] == "0x" + Self.hex(v & 0x1ff, 4) { continue }
                mismatches.append("frame \(theirs["frame.number"] ?? "?") \(field): tshark \(value), pktt \(ours[field] ?? "-")")
            }
            // Layers pktt found that tshark did not: addresses and ports must not be invented.
            for field in ["ip.src", "ipv6.src", "tcp.srcport", "udp.srcport"] where ours[field] != nil && theirs[field] == nil {
                mismatches.append("frame \(theirs["frame.number"] ?? "?") \(field): tshark -, pktt \(ours[field]!)")
            }
        }
        #expect(mismatches.isEmpty, "\(fixture): \(mismatches.count) differences, first: \(mismatches.prefix(8))")
    }
}
