import Track

/// `event.id`: the same for the same packet and rule in every run, whichever files the packet
/// was read from (a rotated set or one file) and however many workers judged it — a digest of
/// the rule's name, the packet's time, its captured bytes and its message's place in the frame.
enum EventIdentity {
    static func of(rule: String, time: Int64, frame: UnsafeRawBufferPointer, message: Int) -> UInt64 {
        var h = start(rule)
        h = mix(h, UInt64(bitPattern: time))
        h = mix(h, UInt64(message))
        var i = 0
        while i + 8 <= frame.count {
            h = (h ^ frame.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            i += 8
        }
        while i < frame.count {
            h = (h ^ UInt64(frame[i])) &* 0x100_0000_01b3
            i += 1
        }
        return finish(h ^ UInt64(frame.count))
    }

    /// A no-reply event: the call it is about (its flow, xid, time and arguments' digest).
    static func of(rule: String, call key: CallKey, _ call: CallRecord) -> UInt64 {
        var h = start("no-reply:" + rule)
        h = mix(h, key.tableHash)
        h = mix(h, UInt64(bitPattern: call.time))
        h = mix(h, call.bodyHash)
        return finish(h)
    }

    private static func start(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    private static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 { (h ^ v) &* 0x100_0000_01b3 ^ (v >> 29) }

    private static func finish(_ h: UInt64) -> UInt64 {
        var h = h
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
