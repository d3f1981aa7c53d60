import Decode
import Foundation
import Testing
@testable import PacketTrace

/// The header catalogue (`HeaderField`) is the list of keys `pktt show --json` writes for the
/// record, link, IP, transport and RPC layers: on every packet of real captures, a field is in
/// the JSON exactly when the catalogue reads a value for it, and the values agree.
@Suite struct HeaderCatalogueTests {
    static let corpus = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")

    /// Captures that between them hold every header field (the corpus ones are read in place).
    static let captures: [String] = [
        "decode/ethernet-tcp-nfsv3.pcap", "decode/ipv6.pcap", "decode/linux-sll-v1.pcap", "decode/linux-sll2.pcap",
        "decode/vlan-8021q.pcap", "decode/ipv4-fragments.pcap", "decode/malformed-fuzzed.pcap",
        "decode/snaplen-96-truncated.pcap", "rpc/mount-portmap-rpcbind.pcap", "nfs3/lab-nfs-errors.pcap",
        "streams/gap.pcap", "streams/udp.pcap", "nfs4/lab-nfsv41.pcap", "nfs3/nfsacl-getsetacl.cap",
    ].map(Fixtures.path) + [
        "dittofs/nfsv4-acl/dittofs-krb5-sample.pcap", "linux-nfs-ml/20250902-7fa15004/mount.pcap",
        "linux-nfs-ml/20231117-6982b651/RPLY14.pcap.gz",
        "linux-nfs-ml/20211115-03922023/test_krb_protection_rpcgss_then_authsys.pcapng",
    ].map { corpus.appendingPathComponent($0).path } + [
        // A time past the readers' window: `record.time_clamped`.
        corpus.deletingLastPathComponent().appendingPathComponent("repro/rpc_pair_reply_after_2262.pcapng").path,
    ]

    /// The layers the catalogue describes, as top-level JSON keys.
    static let layers: Set<String> = ["record", "ethernet", "vlan", "sll", "null", "ip", "tcp", "udp", "rpc"]

    @Test func theTableIsInFieldOrderAndNamesAreUnique() {
        #expect(HeaderCatalogue.entries.count == HeaderField.allCases.count)
        for (i, e) in HeaderCatalogue.entries.enumerated() { #expect(Int(e.field.rawValue) == i, "\(e.name)") }
        #expect(Set(HeaderCatalogue.entries.map(\.name)).count == HeaderCatalogue.entries.count)
        #expect(HeaderField.tcpFlagSYN.name == "tcp.flags.SYN" && HeaderField.tcpFlagSYN.key == "SYN")
        #expect(HeaderCatalogue.field(named: "TCP.flags.SYN") == .tcpFlagSYN)
        #expect(HeaderCatalogue.field(named: "IP.src") == .ipSrc)
        #expect(HeaderCatalogue.field(named: "rpc.XID") == nil)
    }

    /// Every key path of the catalogue's layers in one packet's JSON, with its values (several
    /// for a list, or for the members of a list of objects such as `vlan`).
    static func flatten(_ prefix: String, _ value: Any, into out: inout [String: [Any]]) {
        if let object = value as? [String: Any] {
            out[prefix, default: []].append(object)
            for (k, v) in object { flatten(prefix + "." + k, v, into: &out) }
        } else if let list = value as? [Any], list.first is [String: Any] {
            out[prefix, default: []].append(list)
            for element in list { flatten(prefix, element, into: &out) }
        } else if let list = value as? [Any] {
            out[prefix, default: []].append(contentsOf: list)
        } else {
            out[prefix, default: []].append(value)
        }
    }

    @Test func everyKeyOfTheJSONIsInTheCatalogueAndEveryFieldInTheJSON() throws {
        var seen = Set<HeaderField>()
        var packets = 0
        for path in Self.captures {
            let trace = try Pktt(files: [path])
            var json = JSONPacketFormatter()
            while try trace.next() {
                packets += 1
                var out = TextBuffer(descriptor: -1, flushAt: Int.max)  // kept, never written out
                json.append(trace, to: &out)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(out.take().utf8)) as? [String: Any])
                var keys: [String: [Any]] = [:]
                for (k, v) in object where Self.layers.contains(k) { Self.flatten(k, v, into: &keys) }
                for name in keys.keys { #expect(HeaderCatalogue.field(named: name) != nil, "\(path): \(name) not in the catalogue") }
                let file = (path as NSString).lastPathComponent
                trace.withMessageBytes { message, _ in
                    for field in HeaderField.allCases {
                        let present = field.isRepeated ? field.count(trace.packet, message: message) != nil
                            : field.value(trace.packet, message: message, record: trace.record) != .absent
                        #expect(present == (keys[field.name] != nil),
                                "\(file) frame \(trace.record.frame): \(field.name) catalogue \(present), JSON \(!present)")
                        guard present, let values = keys[field.name] else { continue }
                        seen.insert(field)
                        check(field, values, trace.packet, message, trace.record, "\(file) frame \(trace.record.frame)")
                    }
                }
            }
        }
        #expect(packets > 1000)
        // no capture at hand (fixtures or the shared corpus, by tshark) has these: a BSD loopback
        // link, an IPv6 fragment header, TCP SACK blocks or malformed options, a credential of
        // a flavor other than AUTH_NONE, AUTH_SYS and RPCSEC_GSS
        let unseen = Set(HeaderField.allCases).subtracting(seen)
        #expect(unseen == [.null, .nullFamily, .ipFragment, .ipFragmentID, .ipFragmentOffset6, .ipFragmentMF, .tcpSACK,
                           .tcpOptionsMalformed, .rpcCredentialLength],
                "\(unseen.map(\.name).sorted())")
    }

    /// The catalogue's value is the one the JSON shows.
    func check(_ field: HeaderField, _ values: [Any], _ p: Packet, _ message: UnsafeRawBufferPointer,
               _ record: PacketRecord, _ at: String) {
        let count = field.isRepeated ? field.count(p, message: message) ?? 0 : 1
        if field.isRepeated, field.type != .group { #expect(values.count == count, "\(at): \(field.name)") }
        for (i, json) in values.prefix(count).enumerated() {
            let v = field.value(p, message: message, record: record, element: i)
            switch v {
            case .integer(let n): #expect((json as? NSNumber)?.int64Value == n, "\(at): \(field.name) \(n) \(json)")
            case .boolean(let b): #expect((json as? Bool) == b, "\(at): \(field.name)")
            case .name(let s): #expect((json as? String) == s, "\(at): \(field.name)")
            case .ip(let a): #expect((json as? String) == a.description, "\(at): \(field.name)")
            case .link(let value, let length):
                let text = (0..<length).map { String(format: "%02x", (value >> (8 * UInt64(length - 1 - $0))) & 0xff) }
                    .joined(separator: ":")
                #expect((json as? String) == text, "\(at): \(field.name)")
            case .bytes(let r):
                #expect(r.offset >= 0 && r.end <= message.count && json is String, "\(at): \(field.name)")
            case .duration(let ns):
                #expect(((json as? NSNumber)?.doubleValue).map { abs($0 * 1e9 - Double(ns)) < 1000 } == true)
            case .absent:
                Issue.record("\(at): \(field.name) has no value")
            case .present, .file, .time, .range:
                break
            }
        }
    }

    /// The catalogue is read per packet by the match language: one field costs a switch.
    @Test func readingFieldsIsCheap() throws {
        let trace = try Pktt(files: [Fixtures.path("nfs4/lab-nfsv41.pcap")])
        var reads = 0, integers = 0
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        while try trace.next() {
            trace.withMessageBytes { message, _ in
                let start = clock.now
                for field in HeaderField.allCases {
                    if case .integer = field.value(trace.packet, message: message, record: trace.record) { integers += 1 }
                    reads += 1
                }
                elapsed += clock.now - start
            }
        }
        #expect(integers > 0)
        print("header catalogue: \(reads) field reads in \(elapsed), \(elapsed / reads) each")
    }
}
