import Decode

/// IPv4 and IPv6 fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5), keyed by
/// (source, destination, protocol, identification) and bounded in bytes, datagrams and age.
///
/// A datagram is complete when the fragment without "more fragments" has arrived and the bytes
/// from 0 to its end are all present. Overlapping bytes keep the first copy seen.
public struct IPReassembler {
    public struct Limits: Sendable {
        /// Bytes held across all incomplete datagrams.
        public var maximumBytes: Int
        /// Incomplete datagrams held at once.
        public var maximumDatagrams: Int
        /// Fragments of one datagram: past this it is dropped. Each fragment costs a range to
        /// merge, and a 64 KiB datagram cut into 8-byte pieces would be 8,192 of them.
        public var maximumFragmentsPerDatagram: Int
        /// A datagram still incomplete this long after its first fragment is dropped
        /// (capture time; Linux's ipfrag_time is 30 s).
        public var maximumAgeNanoseconds: Int64

        public init(maximumBytes: Int = 8 << 20, maximumDatagrams: Int = 4096,
                    maximumAgeNanoseconds: Int64 = 30_000_000_000, maximumFragmentsPerDatagram: Int = 128) {
            self.maximumBytes = maximumBytes
            self.maximumDatagrams = maximumDatagrams
            self.maximumFragmentsPerDatagram = maximumFragmentsPerDatagram
            self.maximumAgeNanoseconds = maximumAgeNanoseconds
        }
    }

    /// Counters, for `--count` and the daemon's statistics.
    public struct Statistics: Sendable, Equatable {
        public var fragments = 0
        public var reassembled = 0
        /// Incomplete datagrams dropped to stay within `maximumBytes`/`maximumDatagrams`.
        public var evictedForSpace = 0
        /// Incomplete datagrams dropped after `maximumAgeNanoseconds`.
        public var evictedForAge = 0
        /// Fragments that ended past the IP maximum of 65,535 bytes.
        public var oversized = 0
        /// Datagrams dropped for coming in more than `maximumFragmentsPerDatagram` pieces.
        public var tooManyFragments = 0
        public init() {}
    }

    struct Key: Hashable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        var proto: UInt8
    }

    struct Pending {
        var firstSeen: Int64
        var bytes: [UInt8] = []
        /// Byte ranges present, sorted and merged.
        var present: [Range<Int>] = []
        /// The datagram's length, known once the last fragment arrived.
        var total: Int?
        var proto: UInt8
        var truncated = false
        var fragments = 0
    }

    public let limits: Limits
    public private(set) var statistics = Statistics()
    private var pending: [Key: Pending] = [:]
    private var heldBytes = 0
    /// The last datagram completed, valid until the next call to `add`.
    public private(set) var datagram: [UInt8] = []

    /// Bytes held: fragments waiting, their bookkeeping, the last datagram put together.
    public var footprint: Int { heldBytes + pending.count * 128 + datagram.capacity }

    /// IPv4 can carry at most 65,535 bytes including its header; IPv6 without jumbograms the same.
    static let maximumDatagramLength = 65_535

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Incomplete datagrams held now.
    public var pendingCount: Int { pending.count }

    /// Takes a fragment (`packet.isIPFragment`, payload in `frame`). When it completes its
    /// datagram, returns what the transport decoder needs; the bytes are in `datagram`.
    public mutating func add(_ packet: Packet, frame: UnsafeRawBufferPointer,
                             time: Int64) -> NetworkPayload? {
        statistics.fragments += 1
        let key: Key
        let offset: Int
        let more: Bool
        if packet.has(.ipv6) {
            key = Key(src: packet.ipv6.src, dst: packet.ipv6.dst, id: packet.ipv6.fragmentId,
                      proto: packet.ipv6.nextHeader)
            offset = packet.ipv6.fragmentOffset
            more = packet.ipv6.moreFragments
        } else {
            key = Key(src: packet.ipv4.src, dst: packet.ipv4.dst, id: UInt32(packet.ipv4.id),
                      proto: packet.ipv4.protocolNumber)
            offset = packet.ipv4.fragmentOffset
            more = packet.ipv4.flagMF
        }
        let count = packet.payload.count
        guard offset + count <= Self.maximumDatagramLength else {
            statistics.oversized += 1
            return nil
        }
        expire(now: time)

        var entry = pending.removeValue(forKey: key) ?? Pending(firstSeen: time, proto: key.proto)
        heldBytes -= entry.bytes.capacity
        entry.fragments += 1
        guard entry.fragments <= limits.maximumFragmentsPerDatagram else {
            statistics.tooManyFragments += 1
            return nil
        }
        if entry.bytes.count < offset + count {
            entry.bytes.append(contentsOf: repeatElement(0, count: offset + count - entry.bytes.count))
        }
        if packet.truncated { entry.truncated = true }
        // Copy only the bytes not already present: the first copy of an overlap wins.
        for gap in Self.gaps(in: offset..<(offset + count), present: entry.present) {
            for i in gap { entry.bytes[i] = frame[packet.payload.offset + i - offset] }
        }
        entry.present = Self.merged(entry.present, offset..<(offset + count))
        if !more { entry.total = offset + count }

        if let total = entry.total, entry.present.first == 0..<total {
            statistics.reassembled += 1
            datagram = entry.bytes
            if datagram.count > total { datagram.removeLast(datagram.count - total) }
            return NetworkPayload(range: ByteRange(offset: 0, count: total), wireLength: total,
                                  proto: entry.proto)
        }
        heldBytes += entry.bytes.capacity
        pending[key] = entry
        makeRoom()
        return nil
    }

    /// Drops datagrams older than the age limit.
    mutating func expire(now: Int64) {
        guard !pending.isEmpty else { return }
        let limit = limits.maximumAgeNanoseconds
        for (key, entry) in pending where SaturatingTime.elapsed(from: entry.firstSeen, to: now) > limit {
            heldBytes -= entry.bytes.capacity
            pending.removeValue(forKey: key)
            statistics.evictedForAge += 1
        }
    }

    /// Drops the oldest datagrams until within the byte and count limits.
    mutating func makeRoom() {
        while heldBytes > limits.maximumBytes || pending.count > limits.maximumDatagrams {
            guard let oldest = pending.min(by: { $0.value.firstSeen < $1.value.firstSeen }) else { return }
            heldBytes -= oldest.value.bytes.capacity
            pending.removeValue(forKey: oldest.key)
            statistics.evictedForSpace += 1
        }
    }

    static func gaps(in range: Range<Int>, present: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        for have in present where have.upperBound > start && have.lowerBound < range.upperBound {
            if have.lowerBound > start { result.append(start..<have.lowerBound) }
            start = max(start, have.upperBound)
        }
        if start < range.upperBound { result.append(start..<range.upperBound) }
        return result
    }

    static func merged(_ ranges: [Range<Int>], _ new: Range<Int>) -> [Range<Int>] {
        guard !new.isEmpty else { return ranges }
        var result: [Range<Int>] = []
        var current = new
        for r in ranges {
            if r.upperBound < current.lowerBound || r.lowerBound > current.upperBound {
                result.append(r)
            } else {
                current = min(r.lowerBound, current.lowerBound)..<max(r.upperBound, current.upperBound)
            }
        }
        result.append(current)
        result.sort { $0.lowerBound < $1.lowerBound }
        return result
    }
}
