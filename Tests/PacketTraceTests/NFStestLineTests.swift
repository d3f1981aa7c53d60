import Foundation
import Testing
@testable import PacketTrace

/// pktt's default one-line display against what NFStest 3.2 itself printed for corpus captures
/// (`../shared/corpus/nfstest-lines/`, read in place): the same line, character for character and
/// trailing blanks included, wherever NFStest is right; where NFStest is wrong, pktt's line in
/// NFStest's style and why. `scripts/nfstest-check` does this for every capture.
@Suite("The one-line display: NFStest 3.2's own lines")
struct NFStestLineTests {
    static let corpus = CorpusNFSTests.corpus

    /// pktt's lines and NFStest's for a corpus capture.
    static func lines(_ capture: String) throws -> (pktt: [String], nfstest: [String]) {
        let path = corpus.appendingPathComponent(capture).path
        let trace = try Pktt(files: [path], rewindable: false)
        var formatter = OneLineFormatter()
        var pktt: [String] = []
        while (try? trace.next()) == true {
            var out = TextBuffer()
            formatter.append(trace, to: &out)
            pktt.append(String(out.take().dropLast()))
        }
        let reference = corpus.appendingPathComponent("nfstest-lines/\(capture).txt").path
        let text = try String(contentsOfFile: reference, encoding: .utf8)
        var nfstest = text.components(separatedBy: "\n")
        if nfstest.last == "" { nfstest.removeLast() }
        return (pktt, nfstest)
    }

    /// Captures whose every line is NFStest's: NFSv3 and MOUNT (padded procedure columns, sattr3's
    /// trailing blanks), NFSv4.0/4.1 compounds (NFStest's op choice, FH tracking, stateids, the
    /// compound status), RoCE, IPv6, PORTMAP, bare RPC lines, ARP and Ethernet lines, snoop.
    @Test("every line as NFStest printed it", arguments: [
        "zeek/nfs/nfs_base.pcap", "zeek/nfs/nfs_getattr_bad_ftype.pcap", "zeek/nfs/nfs_fsinfo_bad_status.pcap",
        "zeek/mount/mount-unmount-bad-status.pcap", "linux-nfs-ml/20190712-fefe6fed/LOCK.CAP",
        "linux-nfs-ml/20240126-5ef06947/linux_kernel_40_referal.pcap", "wireshark-wiki/genbroad.snoop",
        "wireshark-wiki/vxi-11.pcap.gz", "dittofs/nfsv4-acl/reference.pcap",
        "linux-nfs-ml/20211129-32cee4d0/pynfs_open18_40.pcap", "zeek/portmapper-many-unanswered-calls.pcapng.gz",
        "linux-nfs-ml/20240503-9cab0812/freebsd-tls-with-rpc-v3-mount-failure.pcap",
        // InfiniBand and OPEN by CLAIM_FH; Kerberos; locks; several messages in one segment
        "linux-nfs-ml/20210218-1fdb3f60/sniffer.pcap", "linux-nfs-ml/20230924-a1cdb242/nfs_krb5i.pcap",
        "linux-nfs-ml/20210715-d328c877/nfs_lock_smb_lock.pcap", "linux-nfs-ml/20260430-299a3479/nfstraffic.pcap",
    ])
    func identical(_ capture: String) throws {
        let (pktt, nfstest) = try Self.lines(capture)
        #expect(pktt.count == nfstest.count)
        for (i, (p, n)) in zip(pktt, nfstest).enumerated() where p != n {
            Issue.record("\(capture) line \(i):\n  NFStest \(n.debugDescription)\n  pktt    \(p.debugDescription)")
        }
    }

    /// Bugs of pktt's older display, each on the capture that showed it.
    @Test("PUTROOTFH;LOOKUP…: the op that follows the path is summarised, not the first LOOKUP's name")
    func pathThenOperation() throws {
        let (pktt, nfstest) = try Self.lines("linux-nfs-ml/20231117-6982b651/RPLY14.pcap.gz")
        let create = try #require(pktt.firstIndex { $0.contains("PUTROOTFH;LOOKUP;LOOKUP;LOOKUP;CREATE") })
        #expect(pktt[create].hasSuffix("CREATE NF4DIR DH:/dir "))
        #expect(pktt[create] == nfstest[create])
        let (lock, lockReference) = try Self.lines("linux-nfs-ml/20190712-fefe6fed/LOCK.CAP")
        let open = try #require(lock.firstIndex { $0.contains("PUTROOTFH;LOOKUP;LOOKUP;OPEN;GETFH") })
        #expect(lock[open].hasSuffix(" DH:/LOCK24 acc:0x01 deny:0x00"))
        #expect(lock[open] == lockReference[open])
    }

    @Test("a compound that failed ends with its status, whichever op is summarised")
    func compoundStatus() throws {
        let (pktt, nfstest) = try Self.lines("linux-nfs-ml/20200904-c00f95b0/referral_issue.pcap")
        #expect(pktt[65].hasSuffix("SEQUENCE;PUTFH;LOOKUP;GETFH NFS4ERR_MOVED"))
        #expect(pktt[65] == nfstest[65])
    }

    @Test("a message given out on a later frame of the other direction shows the way it travelled, at its time")
    func messageOnAnotherFrame() throws {
        // nfs_bad_stalls packet 464: the client's ACK gives up the hole before the server's reply
        // that waited behind it (frames 462-463, cut by the snaplen); the reply is the server's
        let (pktt, nfstest) = try Self.lines("wireshark-wiki/nfs_bad_stalls.cap")
        // at the time of frame 463 (index 462), where its last captured byte was: NFStest's line
        // but for the index
        #expect(pktt[464] == "464" + nfstest[462].dropFirst(3))
        // NFStest shows it where its first bytes were (462); pktt where its record ended
        #expect(nfstest[462].hasSuffix("10.65.200.11  -> 10.65.199.21  RPC   reply xid: 0x8d3d3951"))
        let path = Self.corpus.appendingPathComponent("wireshark-wiki/nfs_bad_stalls.cap").path
        let trace = try Pktt(files: [path], rewindable: false)
        while try trace.next(), trace.record.index < 464 {}
        #expect(trace.packet.rpc.crossesFrame && trace.packet.rpc.frame == 463)  // frame 463 is index 462
        #expect(trace.packet.ipSource.description == "10.65.199.21")  // the frame's own header is kept
    }

    @Test("pktt's own annotations only at -v 2: a line cut by the snaplen is NFStest's line")
    func annotationsAtLevelTwo() throws {
        let path = Self.corpus.appendingPathComponent("wireshark-wiki/nfs_bad_stalls.cap").path
        let trace = try Pktt(files: [path], rewindable: false)
        var plain = OneLineFormatter(), annotated = OneLineFormatter(annotate: true)
        var truncated = 0
        while try trace.next() {
            var a = TextBuffer(), b = TextBuffer()
            plain.append(trace, to: &a)
            annotated.append(trace, to: &b)
            let (line, verbose) = (a.take(), b.take())
            #expect(!line.contains("[truncated]") && !line.contains("[malformed"))
            if verbose.contains(" [truncated]") {
                truncated += 1
                #expect(verbose.hasPrefix(String(line.dropLast())))
            } else {
                // a whole frame after a gap is not said to be cut by the snaplen
                #expect(!verbose.contains("cut by the snaplen"), "\(verbose)")
            }
        }
        #expect(truncated > 1000)
    }

    @Test("-v 2 adds pktt's own words after NFStest's summary, and NFStest's line is its prefix")
    func summariesAtLevelTwo() throws {
        let path = Self.corpus.appendingPathComponent("zeek/nfs/nfs_base.pcap").path
        let trace = try Pktt(files: [path], rewindable: false)
        var plain = OneLineFormatter(), annotated = OneLineFormatter(annotate: true)
        var fsinfo = 0, readdir = 0
        while try trace.next() {
            var a = TextBuffer(), b = TextBuffer()
            plain.append(trace, to: &a)
            annotated.append(trace, to: &b)
            let (line, verbose) = (String(a.take().dropLast()), String(b.take().dropLast()))
            if line.hasSuffix("reply xid:\(String(format: "0x%08x", trace.packet.rpc.xid)) FSINFO    ") {
                fsinfo += 1
                #expect(verbose.hasPrefix(line + " rtmax:") && verbose.contains(" wtmax:") && verbose.contains(" maxfilesize:"))
            }
            if line.contains(" READDIRPLUS verf:") && line.contains(" eof:") {
                readdir += 1
                #expect(verbose.hasPrefix(line + " entries:"), "\(verbose)")
            }
            #expect(verbose.hasPrefix(line))
        }
        #expect(fsinfo > 0 && readdir > 0)
    }

    /// Where NFStest is wrong (its README lists these), pktt's line differs, in NFStest's style.
    @Test("NFStest's faults: pktt says what NFStest cannot", arguments: [
        // NFStest has no NFSv2 decoder: a bare RPC line; pktt decodes the procedure
        Fault("suricata-verify/nfs-bug-5140/nfsv2.pcap", "RPC   call  xid: ", "NFS   v2   call  xid:",
              "NFStest has no NFSv2 decoder"),
        // NSM and NFS_ACL: bare RPC lines in NFStest, decoded by pktt
        Fault("wireshark-wiki/nsm.pcap.gz", "RPC   call  xid: ", "NSM   v1   call  xid:", "NFStest has no NSM decoder"),
        Fault("wireshark-wiki/getsetacl.cap", "RPC   call  xid: ", "NFS_ACL v3   call  xid:",
              "NFStest has no NFS_ACL decoder"),
        // an IPv6 hop-by-hop header: NFStest stops at it (protocol 0), pktt reads past it
        Fault("linux-nfs-ml/20241226-7008ed0c/nfs4_readdir.pcap", "IPv6  protocol: 0,", "IPv6  protocol: 58,",
              "NFStest does not parse IPv6 extension headers"),
    ])
    func nfstestFaults(_ fault: Fault) throws {
        let (pktt, nfstest) = try Self.lines(fault.capture)
        let i = try #require(nfstest.firstIndex { $0.contains(fault.nfstest) }, "\(fault.why)")
        #expect(pktt[i].contains(fault.pktt), "\(fault.why): \(pktt[i])")
    }

    struct Fault: Sendable, CustomTestStringConvertible {
        let capture: String, nfstest: String, pktt: String, why: String
        init(_ capture: String, _ nfstest: String, _ pktt: String, _ why: String) {
            (self.capture, self.nfstest, self.pktt, self.why) = (capture, nfstest, pktt, why)
        }
        var testDescription: String { why }
    }
}
