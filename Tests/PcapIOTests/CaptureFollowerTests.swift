import Foundation
import Synchronization
import Testing
@testable import PcapIO
#if canImport(Glibc)
import Glibc
#endif

/// Following capture files while they are written: a growing file, tcpdump's `-C`, `-C -W`
/// and `-G` rotation sets, with real files written by other threads (and by tcpdump itself
/// where it can run).
@Suite("Following capture files", .serialized)
struct CaptureFollowerTests {
    let directory = TemporaryDirectory()

    // MARK: A growing file

    @Test("a file written record by record, some byte by byte, yields every whole record once, in order")
    func growingFileOnAnotherThread() throws {
        let path = directory.path + "/growing.pcap"
        let writer = FollowTestWriter(path)  // created empty, as tcpdump's fopen leaves it
        let follower = try CaptureFollower(path: path)
        let count = 300
        let done = followOnAnotherThread {
            var random = FollowSplitMix(seed: 7)
            // The file header in two pieces: the follower must wait for it, not fail.
            writer.write(Array(followPcapHeader.prefix(10)))
            usleep(2_000)
            writer.write(Array(followPcapHeader.dropFirst(10)))
            for number in 1...count {
                let record = followRecord(number)
                if number % 10 == 0 {
                    for byte in record { writer.write([byte]) }  // byte by byte
                } else {
                    var rest = record[...]
                    while !rest.isEmpty {  // random splits
                        let piece = rest.prefix(1 + Int(random.next() % UInt64(rest.count)))
                        writer.write(Array(piece))
                        rest = rest.dropFirst(piece.count)
                    }
                }
                if random.next() % 8 == 0 { usleep(200) }
            }
        }
        let records = followRecords(follower, count: count)
        done.wait()
        #expect(records.count == count)
        #expect(records.map(\.frame) == Array(1...count))
        #expect(records.map(\.data) == (1...count).map { followRecord($0).dropFirst(16).map { $0 } })
        #expect(records.allSatisfy { $0.fileIndex == 0 })
        #expect(records.map(\.fileOffset) == followRecordOffsets(count))
        #expect(follower.currentOffset == Int64(followPcapHeader.count + (1...count).map { followRecord($0).count }.reduce(0, +)))
        #expect(follower.currentFrame == count)
        #expect(follower.currentPath == path)
        #expect(follower.takeNotices() == [.opened(path: path, fileIndex: 0, device: followFileState(path).device,
                                                    inode: followFileState(path).inode)])
    }

    @Test("a half-written record is held back until it is whole")
    func partialRecordHeldBack() throws {
        let path = directory.path + "/partial.pcap"
        let writer = FollowTestWriter(path)
        writer.write(followPcapHeader + followRecord(1))
        let follower = try CaptureFollower(path: path)
        #expect(try follower.next()?.frame == 1)
        let second = followRecord(2)
        for cut in 1..<second.count {
            writer.write([second[cut - 1]])
            #expect(try follower.next() == nil, "after \(cut) of \(second.count) bytes")
        }
        writer.write([second.last!])
        let record = try #require(try follower.next())
        #expect(record.frame == 2)
        #expect(Array(record.data) == Array(second.dropFirst(16)))
        #expect(try follower.next() == nil)
    }

    @Test("with inotify, wait returns within a few milliseconds of an append, and idles without CPU")
    func inotifyLatency() throws {
        let path = directory.path + "/latency.pcap"
        let writer = FollowTestWriter(path)
        writer.write(followPcapHeader + followRecord(1))
        let follower = try CaptureFollower(path: path)
        try #require(follower.usesInotify || FileWatcher.environmentForcesPolling,
                     "inotify should work on this kernel")
        #expect(try follower.next()?.frame == 1)
        #expect(try follower.next() == nil)

        // Idle: the wait sleeps for its whole timeout and burns no CPU.
        let (idleCPU, idleElapsed) = followMeasure { #expect(follower.wait(timeout: 0.3)) }
        #expect(idleElapsed >= 0.29)
        #expect(idleCPU < 0.02, "idle wait used \(idleCPU) s of CPU")

        guard follower.usesInotify else { return }
        var latencies: [Duration] = []
        for round in 2...8 {
            let appended = FollowInstant()
            let done = followOnAnotherThread {
                usleep(50_000)
                appended.set(.now)
                writer.write(followRecord(round))
            }
            // The wait after which the record is there is the one the append ended.
            var woke = ContinuousClock.now
            var record: ReadRecord?
            let deadline = ContinuousClock.now + .seconds(3)
            while record == nil, ContinuousClock.now < deadline {
                #expect(follower.wait(timeout: 3))
                woke = .now
                record = try follower.next().map(ReadRecord.init)
            }
            done.wait()
            #expect(record?.frame == round)
            latencies.append(try #require(appended.get()).duration(to: woke))
        }
        // Typically well under a millisecond; the median allows for a loaded machine.
        latencies.sort()
        #expect(latencies[latencies.count / 2] < .milliseconds(20), "latencies \(latencies)")
        #expect(latencies.last! < .milliseconds(250), "latencies \(latencies)")
    }

    @Test("polling (asked for, or by PKTT_FOLLOW_POLL=1) notices appends and new files too")
    func pollingFallback() throws {
        let path = directory.path + "/polled"
        let writer = FollowTestWriter(path)
        writer.write(followPcapHeader)
        let follower = try CaptureFollower(path: path, usePolling: true, pollInterval: 0.02)
        #expect(!follower.usesInotify)
        #expect(try follower.next() == nil)
        let (idleCPU, _) = followMeasure { #expect(follower.wait(timeout: 0.25)) }
        #expect(idleCPU < 0.02, "idle polling used \(idleCPU) s of CPU")

        let done = followOnAnotherThread {
            for number in 1...20 {
                writer.write(followRecord(number))
                usleep(3_000)
            }
            // tcpdump -C: the next file after this one is closed.
            let next = FollowTestWriter(path + "1")
            next.write(followPcapHeader + followRecord(21) + followRecord(22))
        }
        let start = ContinuousClock.now
        let records = followRecords(follower, count: 22)
        done.wait()
        #expect(records.map(\.frame) == Array(1...20) + [1, 2])
        #expect(records.map(\.fileIndex) == Array(repeating: 0, count: 20) + [1, 1])
        #expect(start.duration(to: .now) < .seconds(3))
    }

    // MARK: Rotation sets

    @Test("a -C set f, f1, f2 appearing over time is read file after file")
    func sizeRotationOverTime() throws {
        let base = directory.path + "/nfs.pcap"
        let first = FollowTestWriter(base)
        first.write(followPcapHeader)
        let follower = try CaptureFollower(path: base)
        let done = followOnAnotherThread {
            var writer = first
            for file in 0..<3 {
                if file > 0 {
                    writer = FollowTestWriter(base + String(file))
                    writer.write(followPcapHeader)
                }
                for number in 1...20 {
                    writer.write(followRecord(file * 100 + number))
                    if number % 5 == 0 { usleep(1_000) }
                }
                writer.close()  // tcpdump closes a file before it opens the next
            }
        }
        let records = followRecords(follower, count: 60)
        done.wait()
        #expect(records.map(\.fileIndex) == (0..<60).map { $0 / 20 })
        #expect(records.map(\.frame) == (0..<60).map { $0 % 20 + 1 })
        #expect(records.map(\.data) == (0..<3).flatMap { file in (1...20).map { Array(followRecord(file * 100 + $0).dropFirst(16)) } })
        let notices = follower.takeNotices().map(FollowTestNotice.init)
        #expect(notices == [.opened(base, 0), .finished(base, 0, records: 20),
                            .opened(base + "1", 1), .finished(base + "1", 1, records: 20),
                            .opened(base + "2", 2)])
    }

    @Test("bytes written just before the next file appeared are read before that file")
    func lastBytesBeforeRotation() throws {
        let base = directory.path + "/race"
        let writer = FollowTestWriter(base)
        writer.write(followPcapHeader + followRecord(1) + Array(followRecord(2).prefix(5)))
        let follower = try CaptureFollower(path: base)
        #expect(try follower.next()?.frame == 1)
        #expect(try follower.next() == nil)
        // Between two looks, the writer finishes the file and starts the next one.
        writer.write(Array(followRecord(2).dropFirst(5)) + followRecord(3))
        writer.close()
        FollowTestWriter(base + "1").write(followPcapHeader + followRecord(4))
        let records = followRecords(follower, count: 3, within: 1)
        #expect(records.map { [$0.fileIndex, $0.frame] } == [[0, 2], [0, 3], [1, 1]])
    }

    @Test("a torn last record, left when the writer moved on, is reported once the next file is there")
    func tornRecord() throws {
        let base = directory.path + "/torn.pcap"
        let cut = followRecord(4).prefix(30)
        FollowTestWriter(base).write(followPcapHeader + followRecord(1) + followRecord(2) + followRecord(3) + cut)
        let follower = try CaptureFollower(path: base)
        #expect(followRecords(follower, count: 3, within: 0.3).count == 3)
        #expect(try follower.next() == nil)
        #expect(!follower.takeNotices().contains { if case .torn = $0 { true } else { false } })
        FollowTestWriter(base + "1").write(followPcapHeader + followRecord(5))
        let records = followRecords(follower, count: 1, within: 1)
        #expect(records.map(\.fileIndex) == [1])
        let tornOffset = Int64(followRecordOffsets(4)[3])
        #expect(follower.takeNotices() == [
            .finished(path: base, fileIndex: 0, records: 3, bytes: tornOffset),
            .torn(path: base, offset: tornOffset, bytesPresent: 30, bytesNeeded: followRecord(4).count),
            .opened(path: base + "1", fileIndex: 1, device: followFileState(base + "1").device, inode: followFileState(base + "1").inode),
        ])
    }

    @Test("a -C -W 3 ring wraps; a slot overwritten before it was read is reported lost, and its new content read in turn")
    func ringWrapsAndLosesASlot() throws {
        let base = directory.path + "/ring"
        // Generation 1 of the ring: f0, f1, f2 (one digit: W-1 = 2).
        FollowTestWriter(base + "0").write(followFile(1...3))
        FollowTestWriter(base + "1").write(followFile(11...13))
        FollowTestWriter(base + "2").write(followFile(21...23))
        let follower = try CaptureFollower(path: base)
        #expect(follower.currentPath == base + "0")
        let first = followRecords(follower, count: 3, within: 0.3)
        #expect(first.map(\.data) == (1...3).map { followPayload($0) })

        // The follower falls behind: the writer comes round to f0 and then f1 before it reads
        // f1. Smaller files this time, so the cuts show.
        FollowTestWriter(base + "0").write(followFile(101...102))
        FollowTestWriter(base + "1").write(followFile(111...112))
        let rest = followRecords(follower, count: 7, within: 1)
        #expect(rest.map(\.data) == [21, 22, 23, 101, 102, 111, 112].map { followPayload($0) })
        let notices = follower.takeNotices()
        let lost = notices.compactMap { notice -> String? in
            if case .lost(let path, _) = notice { return path } else { return nil }
        }
        // f0 was cut under the follower; f1's first content was overwritten before its turn.
        #expect(lost == [base + "0", base + "1"])
        #expect(notices.contains { if case .lost(base + "1", let reason) = $0 { reason.contains("before it was read") } else { false } })
        // Its turns: f0, f2, then round again to f0 and f1 with their new content.
        #expect(rest.map(\.fileIndex) == [1, 1, 1, 2, 2, 3, 3])

        // Caught up, the ring goes on: f2, then f0 again.
        FollowTestWriter(base + "2").write(followFile(121...122))
        #expect(followRecords(follower, count: 2, within: 1).map(\.data) == [121, 122].map { followPayload($0) })
        FollowTestWriter(base + "0").write(followFile(201...201))
        #expect(followRecords(follower, count: 1, within: 1).map(\.data) == [followPayload(201)])
        #expect(follower.currentPath == base + "0")
    }

    @Test("a ring is started from its oldest slot by mtime, and -W 11 names are zero-padded")
    func ringStartsAtOldestSlot() throws {
        let base = directory.path + "/wide"
        // The writer is on f01 now; f02 … f10 hold older data, f00 the newest before f01.
        for (order, slot) in [2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1].enumerated() {
            FollowTestWriter(base + String(format: "%02d", slot)).write(followFile((slot * 10 + 1)...(slot * 10 + 1)))
            followSetModified(base + String(format: "%02d", slot), secondsAgo: 100 - order)
        }
        let follower = try CaptureFollower(path: base)
        let records = followRecords(follower, count: 11, within: 1)
        #expect(records.map(\.data) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1].map { followPayload($0 * 10 + 1) })
        #expect(follower.currentPath == base + "01")
        #expect(!follower.takeNotices().contains { if case .lost = $0 { true } else { false } })
    }

    @Test("a -G set is read in the order its names tell, -C counts after each name, new files included")
    func timeRotation() throws {
        let pattern = directory.path + "/nfs-%Y%m%d-%H%M%S.pcap"
        let names = ["nfs-20260504-235959.pcap", "nfs-20260505-000000.pcap", "nfs-20260505-000000.pcap1",
                     "nfs-20260505-000000.pcap2", "nfs-20260505-001500.pcap"]
        // Written in another order, and with noise that the pattern does not make.
        for (index, name) in names.enumerated().reversed() {
            FollowTestWriter(directory.path + "/" + name).write(followFile((index * 10 + 1)...(index * 10 + 2)))
        }
        for noise in ["nfs-2026050-000000.pcap", "nfs-latest.pcap", "nfs-20260505-000000.pcap.gz", "other.pcap"] {
            FollowTestWriter(directory.path + "/" + noise).write(followFile(999...999))
        }
        let follower = try CaptureFollower(path: pattern)
        let records = followRecords(follower, count: 10, within: 1)
        #expect(records.map(\.data) == (0..<5).flatMap { [followPayload($0 * 10 + 1), followPayload($0 * 10 + 2)] })
        #expect(records.map(\.fileIndex) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
        #expect(follower.currentPath == directory.path + "/nfs-20260505-001500.pcap")
        // The next period's file appears while the follower waits on the last one.
        let next = directory.path + "/nfs-20260505-003000.pcap"
        let done = followOnAnotherThread {
            usleep(30_000)
            FollowTestWriter(next).write(followFile(61...61))
        }
        let later = followRecords(follower, count: 1, within: 2)
        done.wait()
        #expect(later.map(\.data) == [followPayload(61)])
        #expect(later.map(\.fileIndex) == [5])
        // Two files at once (the follower was slow): one listing shows both, and the second is
        // read after the first although the directory does not change again.
        FollowTestWriter(directory.path + "/nfs-20260505-004500.pcap").write(followFile(71...71))
        FollowTestWriter(directory.path + "/nfs-20260505-010000.pcap").write(followFile(81...81))
        followSetModified(directory.path, secondsAgo: 10)  // no recent directory change to go by
        #expect(followRecords(follower, count: 2, within: 1).map(\.data) == [followPayload(71), followPayload(81)])
    }

    @Test("-G with %s orders by the number, not by its text")
    func epochRotation() throws {
        for (index, seconds) in [999, 1000, 10_000].enumerated() {
            FollowTestWriter(directory.path + "/cap-\(seconds).pcap").write(followFile((index + 1)...(index + 1)))
        }
        let follower = try CaptureFollower(path: directory.path + "/cap-%s.pcap")
        #expect(followRecords(follower, count: 3, within: 1).map(\.data) == (1...3).map { followPayload($0) })
    }

    // MARK: Starting points

    @Test("fromEnd starts at the newest file's end and returns only what is appended after")
    func fromEnd() throws {
        let base = directory.path + "/tail"
        FollowTestWriter(base).write(followFile(1...3))
        let newest = FollowTestWriter(base + "1")
        newest.write(followFile(11...12) + Array(followRecord(13).prefix(9)))
        let follower = try CaptureFollower(path: base, fromEnd: true)
        #expect(follower.currentPath == base + "1")
        #expect(follower.currentFileIndex == 0)
        #expect(try follower.next() == nil)
        newest.write(Array(followRecord(13).dropFirst(9)) + followRecord(14))
        let records = followRecords(follower, count: 2, within: 1)
        #expect(records.map(\.frame) == [3, 4])
        #expect(records.map(\.data) == [followPayload(13), followPayload(14)])
        newest.close()
        FollowTestWriter(base + "2").write(followFile(21...21))
        #expect(followRecords(follower, count: 1, within: 1).map { [$0.fileIndex, $0.frame] } == [[1, 1]])
    }

    @Test("a path that names no file yet is waited for: the first file is read from its start")
    func fileNotThereYet() throws {
        let base = directory.path + "/later.pcap"
        let follower = try CaptureFollower(path: base, fromEnd: true)
        #expect(follower.currentPath == nil)
        #expect(try follower.next() == nil)
        let done = followOnAnotherThread {
            usleep(50_000)
            let writer = FollowTestWriter(base)  // tcpdump starts: an empty file first
            usleep(10_000)
            writer.write(followPcapHeader)
            for number in 1...5 { writer.write(followRecord(number)) }
            writer.close()
            FollowTestWriter(base + "1").write(followFile(6...7))
        }
        let records = followRecords(follower, count: 7, within: 3)
        done.wait()
        #expect(records.map { [$0.fileIndex, $0.frame] } == [[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 1], [1, 2]])
    }

    @Test("a directory that does not exist is an error at once")
    func missingDirectory() {
        let error = #expect(throws: CaptureError.self) {
            try CaptureFollower(path: directory.path + "/no/such/dir/f.pcap")
        }
        #expect(error?.code == .io)
    }

    // MARK: Trouble

    @Test("a corrupt record ends its file with .error; the next file is read when it appears")
    func corruptRecordSkipsToNextFile() throws {
        let base = directory.path + "/bad"
        var corrupt = followFile(1...2)
        corrupt += [0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF] + Array(repeating: 0xEE, count: 40)
        FollowTestWriter(base).write(corrupt)
        let follower = try CaptureFollower(path: base)
        #expect(followRecords(follower, count: 2, within: 0.3).count == 2)
        #expect(try follower.next() == nil)
        let notices = follower.takeNotices()
        #expect(notices.contains { if case .error(base, let message) = $0 { message.contains("byte offset") } else { false } })
        FollowTestWriter(base + "1").write(followFile(3...4))
        let records = followRecords(follower, count: 2, within: 1)
        #expect(records.map { [$0.fileIndex, $0.frame] } == [[1, 1], [1, 2]])
        #expect(follower.takeNotices().map(FollowTestNotice.init) == [.finished(base, 0, records: 2), .opened(base + "1", 1)])
    }

    @Test("a file removed before it was read is lost; a gap in the numbering too")
    func removedFiles() throws {
        let base = directory.path + "/gone"
        FollowTestWriter(base).write(followFile(1...1))
        FollowTestWriter(base + "1").write(followFile(2...2))
        FollowTestWriter(base + "3").write(followFile(4...4))
        let follower = try CaptureFollower(path: base)
        #expect(try follower.next() != nil)
        unlink(base + "1")
        let records = followRecords(follower, count: 1, within: 1)
        #expect(records.map(\.data) == [followPayload(4)])
        let lost = follower.takeNotices().compactMap { notice -> String? in
            if case .lost(let path, let reason) = notice { return "\(path): \(reason)" } else { return nil }
        }
        #expect(lost == ["\(base)1: removed before it was read", "\(base)2: missing from the numbering: removed before it was read"])

        // While following: f5 shows up although f4 never did.
        FollowTestWriter(base + "5").write(followFile(6...6))
        #expect(followRecords(follower, count: 1, within: 1).map(\.data) == [followPayload(6)])
        #expect(follower.takeNotices().contains(.lost(path: base + "4", reason: "missing from the numbering: removed before it was read")))
    }

    @Test("a plain file cut short and written again (tcpdump restarted) is reported and read again from its start")
    func plainFileRestarted() throws {
        let path = directory.path + "/restart.pcap"
        FollowTestWriter(path).write(followFile(1...5))
        let follower = try CaptureFollower(path: path)
        #expect(followRecords(follower, count: 5, within: 0.3).count == 5)
        FollowTestWriter(path).write(followFile(101...102))  // truncated in place, same inode
        let records = followRecords(follower, count: 2, within: 1)
        #expect(records.map(\.data) == [followPayload(101), followPayload(102)])
        #expect(records.map(\.fileIndex) == [1, 1])
        let notices = follower.takeNotices()
        #expect(notices.contains { if case .lost(path, let reason) = $0 { reason.contains("cut") } else { false } })

        // Replaced by another file (logrotate's create): the old one is finished, the new one read.
        let replacement = path + ".new"
        FollowTestWriter(replacement).write(followFile(201...201))
        rename(replacement, path)
        #expect(followRecords(follower, count: 1, within: 1).map(\.data) == [followPayload(201)])
        #expect(follower.takeNotices().map(FollowTestNotice.init) == [.finished(path, 1, records: 2), .opened(path, 2)])
    }

    // MARK: Stopping

    @Test("stop() from another thread wakes a blocked wait; later waits return false at once",
          arguments: [false, true])
    func stopWakesWait(polling: Bool) throws {
        let path = directory.path + "/stop.pcap"
        FollowTestWriter(path).write(followPcapHeader)
        let follower = try CaptureFollower(path: path, usePolling: polling, pollInterval: 5)
        #expect(try follower.next() == nil)
        let done = followOnAnotherThread {
            usleep(100_000)
            follower.stop()
        }
        let start = ContinuousClock.now
        #expect(follower.wait(timeout: nil) == false)
        #expect(start.duration(to: .now) < .seconds(2))
        done.wait()
        let again = ContinuousClock.now
        #expect(follower.wait(timeout: 10) == false)
        #expect(again.duration(to: .now) < .milliseconds(50))
    }

    // MARK: Names

    @Test("ring widths: -C names f, f1…; -W k names pad to the digits of k-1")
    func ringNames() throws {
        var set = try RotationSet(path: "/cap/f")
        #expect(set.directory == "/cap")
        #expect([0, 1, 12].map { set.slotName($0) } == ["f", "f1", "f12"])
        set.width = 2
        #expect([0, 7, 10, 100].map { set.slotName($0) } == ["f00", "f07", "f10", nil])
        let parts = { (name: String) in
            Array(name.utf8).withUnsafeBufferPointer { RotationSet.numberedParts(of: $0, base: Array("f".utf8)) }
        }
        #expect(RotationSet.detectWidth([(parts("f")!, 1), (parts("f1")!, 2)]) == 0)
        #expect(RotationSet.detectWidth([(parts("f0")!, 1), (parts("f1")!, 2)]) == 1)
        #expect(RotationSet.detectWidth([(parts("f00")!, 5), (parts("f10")!, 2)]) == 2)
        // A ring started after an old -C run: the newer wins.
        #expect(RotationSet.detectWidth([(parts("f")!, 1), (parts("f0")!, 9)]) == 1)
        #expect(parts("f.gz") == nil)
        #expect(parts("g1") == nil)
        #expect(try RotationSet(path: "f").directory == ".")
        #expect(try RotationSet(path: "/f").path(of: "f1") == "/f1")
        #expect(throws: CaptureError.self) { try RotationSet(path: "/cap/%Y/f-%H.pcap") }
        #expect(throws: CaptureError.self) { try RotationSet(path: "-") }
    }

    @Test("strftime patterns match the names tcpdump makes and order them by time")
    func strftimeMatching() {
        func match(_ pattern: String, _ name: String) -> StrftimePattern.Match? {
            Array(name.utf8).withUnsafeBufferPointer { StrftimePattern(pattern).match($0) }
        }
        #expect(match("nfs-%Y%m%d-%H%M%S.pcap", "nfs-20260504-102133.pcap") == .init(timeKey: 20260504_102133, suffix: 0))
        #expect(match("nfs-%Y%m%d-%H%M%S.pcap", "nfs-20260504-102133.pcap12") == .init(timeKey: 20260504_102133, suffix: 12))
        #expect(match("nfs-%Y%m%d-%H%M%S.pcap", "nfs-2026054-102133.pcap") == nil)
        #expect(match("nfs-%Y%m%d-%H%M%S.pcap", "nfs-20260504-102133.pcap.gz") == nil)
        #expect(match("f-%s.pcap", "f-1796684044.pcap") == .init(timeKey: 1_796_684_044, suffix: 0))
        #expect(match("f-%s.pcap", "f-1796684044.pcap3")?.suffix == 3)
        #expect(match("%F_%T.pcap", "2026-05-04_10:21:33.pcap")?.timeKey == 20260504_102133)
        #expect(match("x-%y%j.pcap", "x-26124.pcap")?.timeKey == 2026_0124_000000)
        // A month name is no number: only the day orders (and the set falls back to mtime order).
        #expect(match("%b-%d-100%%.pcap", "May-04-100%.pcap")?.timeKey == 4_000000)
        #expect(StrftimePattern("%b-%d.pcap").ordersByTime == false)
        #expect(StrftimePattern("%Y-%b-%d.pcap").ordersByTime)
        // Many wildcards stay linear: every (token, position) is tried at most once.
        let wild = String(repeating: "%a", count: 100) + "x"
        #expect(match(wild, String(repeating: "y", count: 200)) == nil)
    }

    // MARK: Real tcpdump

    @Test("tcpdump -C 1 -W 3 writing loopback traffic: the follower sees every record it wrote",
          .enabled(if: FollowTcpdump.canCapture, "tcpdump is missing or cannot capture on lo (needs root or CAP_NET_RAW)"))
    func realTcpdumpRing() throws {
        let base = directory.path + "/live"
        // About 2.3 MB: three files, none overwritten.
        let run = try followRealTcpdump(path: base, options: ["-C", "1", "-W", "3"],
                                        packets: 1_600, pauseEvery: 50, pause: 5_000) {
            ["0", "1", "2"].map { base + $0 }
        }
        #expect(run.files == 3)
        #expect(run.written.count > 1_000, "tcpdump: \(run.tcpdumpSaid)")
        #expect(run.followed == run.written)
    }

    @Test("tcpdump -C 1 -W 2, a ring that wraps while followed: every datagram once, in order",
          .enabled(if: FollowTcpdump.canCapture, "tcpdump is missing or cannot capture on lo (needs root or CAP_NET_RAW)"))
    func realTcpdumpWrappingRing() throws {
        // About 2.3 MB in two 1 MB slots: f0, f1, then f0 again.
        let run = try followRealTcpdump(path: directory.path + "/wrap", options: ["-C", "1", "-W", "2"],
                                        packets: 1_600, pauseEvery: 50, pause: 5_000) { [] }
        // The datagram's number is in the first two payload bytes, after 42 bytes of headers.
        let numbers = run.followed.map { record in
            record.data.count >= 44 ? Int(record.data[42]) << 8 | Int(record.data[43]) : -1
        }
        let captured = run.tcpdumpSaid.split(separator: "\n").first { $0.hasSuffix("packets captured") }
            .flatMap { Int($0.split(separator: " ")[0]) }
        #expect(captured == run.followed.count, "tcpdump: \(run.tcpdumpSaid)")
        if run.tcpdumpSaid.contains("\n0 packets dropped by kernel") {
            #expect(numbers == Array(0..<1_600))
        }
        #expect(Set(run.followed.map(\.fileIndex)).count == 3)
    }

    @Test("tcpdump -G 1 with a %s name: the follower sees every record of every file",
          .enabled(if: FollowTcpdump.canCapture, "tcpdump is missing or cannot capture on lo (needs root or CAP_NET_RAW)"))
    func realTcpdumpTimed() throws {
        let directoryPath = directory.path
        // Traffic over about 2.2 s: three or four one-second files (tcpdump rotates on the first
        // packet after each second).
        let run = try followRealTcpdump(path: directoryPath + "/g-%s.pcap", options: ["-G", "1"],
                                        packets: 440, pauseEvery: 10, pause: 50_000) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directoryPath)) ?? []
            return names.filter { $0.hasPrefix("g-") }
                .sorted { Int($0.dropFirst(2).dropLast(5)) ?? 0 < Int($1.dropFirst(2).dropLast(5)) ?? 0 }
                .map { directoryPath + "/" + $0 }
        }
        #expect(run.files >= 3)
        #expect(run.written.count > 400, "tcpdump: \(run.tcpdumpSaid)")
        #expect(run.followed == run.written)
    }

    /// Runs tcpdump writing `path` with `options` while UDP datagrams go over lo and a
    /// follower follows; then reads the files tcpdump left (`files()`, in order) with
    /// `CaptureReader`. Returns both readings, how many files there were and what tcpdump said
    /// on stderr as it stopped (its packet counts). No file may be reported lost or in error.
    ///
    /// `--immediate-mode`: without it TPACKET_V3 holds packets in a ring block until the block
    /// fills or a second passes, and a SIGINT before that loses them. Writes stay buffered by
    /// stdio (no -U), so the files grow by 4 KiB pieces that cut records.
    private func followRealTcpdump(path: String, options: [String], packets: Int, pauseEvery: Int, pause: UInt32,
                                   files: () -> [String]) throws
        -> (followed: [ReadRecord], written: [ReadRecord], files: Int, tcpdumpSaid: String)
    {
        let port = UInt16(20_000 + getpid() % 20_000)
        let tcpdump = try FollowTcpdump.start(["-i", "lo", "-n", "-s", "0", "-B", "16384", "--immediate-mode", "-Z", "root",
                                               "-w", path] + options + ["udp", "port", String(port)])
        let follower = try CaptureFollower(path: path)
        let exited = FollowFlag()
        let sent = followOnAnotherThread {
            FollowTcpdump.sendUDP(port: port, count: packets, payload: 1_400, pauseEvery: pauseEvery, pause: pause)
            usleep(300_000)
            // SIGINT: tcpdump flushes its last buffer, closes the file and counts its packets.
            exited.set(tcpdump.stop())
        }
        var followed: [ReadRecord] = []
        let deadline = ContinuousClock.now + .seconds(10)
        var quietSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            var got = false
            while let record = try follower.next() {
                followed.append(ReadRecord(record))
                got = true
            }
            if got { quietSince = .now }
            if exited.isSet, quietSince.duration(to: .now) > .milliseconds(300) { break }
            _ = follower.wait(timeout: 0.1)
        }
        sent.wait()
        let paths = files().filter { FileManager.default.fileExists(atPath: $0) }
        var written: [ReadRecord] = []
        for (index, path) in paths.enumerated() {
            written += try readAll(try CaptureReader(path: path)).map { record in
                var record = record
                record.fileIndex = index
                return record
            }
        }
        let notices = follower.takeNotices()
        #expect(!notices.contains { if case .lost = $0 { true } else if case .error = $0 { true } else { false } }, "\(notices)")
        return (followed, written, paths.count, exited.text)
    }
}
