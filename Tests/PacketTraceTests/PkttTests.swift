import Foundation
import Testing
import Decode
@testable import PacketTrace

@Suite("Pktt over real captures")
struct PkttTests {
    @Test("IPv4 fragments: the frame that completes each UDP datagram carries the UDP layer")
    func reassembly() throws {
        let trace = try Pktt(files: [Fixtures.path("decode/ipv4-fragments.pcap")])
        var completing: [Int] = []
        while try trace.next() {
            guard trace.packet.reassembled else { continue }
            completing.append(trace.record.frame)
            #expect(trace.packet.has(.udp) && trace.packet.udp.dstPort == 2049)
            // The whole 16 KB WRITE call is there to decode.
            #expect(trace.packet.payload.count == Int(trace.packet.udp.length) - 8)
            trace.withPayloadBytes { #expect($0.count >= trace.packet.payload.end) }
        }
        #expect(completing == [12, 30, 43, 57])
        #expect(trace.statistics.reassembled == 4)
        #expect(trace.statistics.fragmentEvictions == 0)
    }

    @Test("Fuzzed frames give decode errors on those packets only, and every frame is read")
    func malformed() throws {
        let trace = try Pktt(files: [Fixtures.path("decode/malformed-fuzzed.pcap")])
        var errors = 0
        while try trace.next() {
            if trace.packet.error != nil { errors += 1 }
        }
        #expect(trace.statistics.packets == 67)
        #expect(errors > 0 && errors == trace.statistics.decodeErrors)
        #expect(trace.statistics.truncated > 0)
    }

    @Test("Several files are merged in timestamp order, indexes running across them")
    func merge() throws {
        let files = [Fixtures.path("decode/linux-sll2.pcap"), Fixtures.path("decode/pcap-nanosecond.pcap")]
        let trace = try Pktt(files: files)
        var last: Int64 = .min
        var perFile = [0, 0]
        var index = 0
        while try trace.next() {
            #expect(trace.record.time >= last)
            #expect(trace.record.index == index)
            last = trace.record.time
            perFile[trace.record.fileIndex] += 1
            index += 1
        }
        #expect(perFile == [98, 176])
    }
}

@Suite("Display formats")
struct DisplayTests {
    func first(_ fixture: String, count: Int, json: Bool) throws -> [String] {
        setenv("TZ", "UTC", 1)
        tzset()
        let trace = try Pktt(files: [Fixtures.path(fixture)])
        var out = TextBuffer(flushAt: .max)  // keep everything for the test to read
        var line = OneLineFormatter()
        var jsonLine = JSONPacketFormatter()
        for _ in 0..<count {
            guard try trace.next() else { break }
            if json {
                jsonLine.append(trace, to: &out)
            } else {
                line.append(trace, to: &out)
            }
        }
        return out.take().split(separator: "\n").map(String.init)
    }

    @Test("One line per packet in the seed's format")
    func oneLine() throws {
        let lines = try first("decode/ethernet-tcp-nfsv3.pcap", count: 9, json: false)
        #expect(lines[0] == "0 2026-11-26 15:50:05.721515 10.77.0.2     -> 10.77.0.1     TCP 801 -> 111, seq: 0x780d63e8, ack: 0x00000000, SYN")
        #expect(lines[4].hasSuffix("TCP 111 -> 801, seq: 0x482950d3, ack: 0x780d6431, ACK"))
        // RPC messages get the seed's RPC line: program, version, call/reply, xid, procedure, summary.
        // the procedure padded to 10 even when nothing follows, as NFStest writes it
        #expect(lines[3].hasSuffix("10.77.0.2     -> 10.77.0.1     PORTMAP v2   call  xid:0x0d5f36c1 NULL      "))
        #expect(lines[7].hasSuffix("PORTMAP v2   call  xid:0x0d5f36c2 GETPORT    prog:MOUNT vers:3 proto:TCP port:0"))
        #expect(lines[8].hasSuffix("PORTMAP v2   reply xid:0x0d5f36c2 GETPORT    20048"))
        let udp = try first("decode/gzip.pcap.gz", count: 2, json: false)
        #expect(udp[1].hasSuffix("10.1.1.1      -> 10.1.1.9      PORTMAP v2   reply xid:0x035243a5 GETPORT    1011"))
        // NFStest takes only IP out of a cooked frame: ARP there is the SLL line
        let arp = try first("decode/linux-sll-v1.pcap", count: 300, json: false).filter { $0.contains("etype: 0x0806") }
        #expect(!arp.isEmpty && arp.allSatisfy { $0.contains(" SLLv1  ptype: ") })
    }

    @Test("NFSv4: the minor version, the compound's ops in the procedure column, its main op, a failed status")
    func nfs4Line() throws {
        let lines = try first("nfs4/lab-nfsv41.pcap", count: 1_000, json: false)
        #expect(lines.contains { $0.contains("NFS   v4.1 call  xid:") && $0.contains(" SEQUENCE;PUTFH;") })
        // A failed LOOKUP: the ops as far as the compound went, then the status.
        #expect(lines.contains { $0.contains("NFS   v4.1 reply xid:") && $0.hasSuffix(" SEQUENCE;PUTFH;LOOKUP     NFS4ERR_NOENT") })
        // The seed's OPEN line: the directory handle and name of the main op.
        let v40 = try first("nfs4/lab-nfsv40.pcap", count: 1_000, json: false)
        #expect(v40.contains { $0.contains("NFS   v4.0 call  xid:") && $0.contains("PUTFH;") && $0.contains(";OPEN;") && $0.contains(" DH:0x") })
    }

    @Test("JSON nfs: version, minorversion, tag, ops, an integer status, the failed op and its index, the ops under array")
    func nfsJSON() throws {
        let objects = try first("nfs4/lab-nfsv40.pcap", count: 1_000, json: true)
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let nfs = objects.compactMap { $0["nfs"] as? [String: Any] }
        // Every COMPOUND (the messages with ops) says its version and minor version.
        let compounds = nfs.filter { $0["ops"] != nil }
        #expect(!compounds.isEmpty && compounds.allSatisfy { $0["version"] as? Int == 4 && $0["minorversion"] as? Int == 0 })
        let compound = try #require(nfs.first { ($0["ops"] as? [Int])?.count ?? 0 > 1 })
        let ops = compound["ops"] as! [Int], array = compound["array"] as! [[String: Any]]
        #expect(array.count == ops.count)
        #expect(ops.first == (array.first?["argop_code"] as? Int ?? array.first?["resop_code"] as? Int))
        // Every op knows its file: PUTFH's in a call; in a reply, what GETFH shows, back to the
        // LOOKUP that moved to it.
        let putfhCall = try #require(nfs.first { ($0["ops"] as? [Int])?.first == 22 && $0["status"] == nil })
        #expect((putfhCall["fh"] as? [Any])?.first is String)
        let lookupReply = try #require(nfs.first { ($0["ops"] as? [Int])?.prefix(4) == [22, 15, 9, 10] && $0["status"] as? Int == 0 })
        let files = lookupReply["fh"] as! [Any]
        #expect(files[0] is NSNull && files[1] is NSNull)
        #expect(files[2] as? String != nil && files[2] as? String == files[3] as? String)
        let errors = try first("nfs3/lab-nfs-errors.pcap", count: 2_000, json: true)
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .compactMap { $0["nfs"] as? [String: Any] }
        let failed = try #require(errors.first { $0["failed_op"] != nil && $0["version"] as? Int == 4 })
        let failedOps = failed["ops"] as! [Int]
        #expect(failed["status"] as? Int != 0 && failed["failed_op_index"] as? Int == failedOps.count - 1)
        #expect(failed["failed_op"] as? Int == failedOps.last)
        let v3 = try #require(errors.first { $0["version"] as? Int == 3 && $0["status_name"] as? String == "NFS3ERR_NOENT" })
        #expect(v3["status"] as? Int == 2 && v3["resfail"] != nil)
    }

    @Test("JSON: one object per packet, one key per layer, with the seed's names")
    func json() throws {
        let lines = try first("decode/ethernet-tcp-nfsv3.pcap", count: 4, json: true)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let syn = objects[0]
        let record = syn["record"] as! [String: Any]
        #expect(record["frame"] as? Int == 1 && record["index"] as? Int == 0)
        #expect(record["time"] as? String == "2026-11-26T15:50:05.721515Z")
        #expect(record["length_inc"] as? Int == 74 && record["truncated"] as? Bool == false)
        let ip = syn["ip"] as! [String: Any]
        #expect(ip["version"] as? Int == 4 && ip["src"] as? String == "10.77.0.2")
        let tcp = syn["tcp"] as! [String: Any]
        #expect(tcp["src_port"] as? Int == 801 && tcp["dst_port"] as? Int == 111)
        #expect((tcp["flags"] as! [String: Any])["SYN"] as? Int == 1)
        #expect((tcp["options"] as! [String: Any])["mss"] as? Int == 1460)
        #expect((objects[3]["tcp"] as! [String: Any])["seq"] as? Int == 1)
        let rpc = objects[3]["rpc"] as! [String: Any]
        #expect(rpc["xid"] as? Int == 0x0d5f36c1 && rpc["type"] as? String == "call" && rpc["program"] as? Int == 100_000)
        #expect((rpc["cred"] as! [String: Any])["machinename"] as? String == "libnfs")
        #expect(objects[3]["portmap"] != nil)
        #expect(syn["udp"] == nil)

        let v6 = try first("decode/ipv6.pcap", count: 40, json: true)
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(v6.contains { ($0["ip"] as? [String: Any])?["src"] as? String == "fd77::2" })
    }
}
