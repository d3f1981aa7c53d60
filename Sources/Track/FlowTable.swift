import Decode

/// A key for `FlowTable`: equality plus a well-mixed 64-bit hash.
public protocol FlowTableKey: Equatable {
    /// Any 64 bits that depend on every field; the table mixes them further.
    var tableHash: UInt64 { get }
}

extension FlowKey: FlowTableKey {
    @inline(__always)
    public var tableHash: UInt64 {
        var h = src.low &* 0x9e37_79b9_7f4a_7c15
        h ^= src.high &* 0xbf58_476d_1ce4_e5b9
        h ^= (dst.low ^ (dst.high &* 31)) &* 0x94d0_49bb_1331_11eb
        return h ^ (UInt64(srcPort) << 40 | UInt64(dstPort) << 16 | UInt64(proto))
    }
}

/// An open-addressing hash table keyed by flows (or anything `FlowTableKey`), for per-packet
/// state.
///
/// Swift's `Dictionary` hashes with a seeded SipHash, which costs more per packet than decoding
/// the packet's headers; flows need no protection against chosen collisions beyond a good mix,
/// since every table is bounded by count anyway. Linear probing, at most half full, deletion by
/// shifting the probe run back (no tombstones).
///
/// Keys and values live in raw memory addressed in place: reading a field of a value does not
/// copy the value (an array of optionals would, and flow state holds buffers). Copies share that
/// memory until one of them changes (copy-on-write, as Swift's own collections), so a copy of
/// the pipeline that holds a table is a snapshot `Pktt.rewind(to:)` can go back to.
///
/// A `Slot` names where a value is *now*: an insertion (which may grow and rehash the table) or a
/// removal (which shifts probe runs back) moves values, so a slot carries the table's generation.
/// Using a slot from an older generation is a bug that debug builds trap on; code that holds a
/// slot across a mutation re-finds it with `refreshed(_:key:)`.
public struct FlowTable<Key: FlowTableKey, Value> {
    /// Where a value lives, valid while the table's `generation` is unchanged.
    public struct Slot: Equatable, Sendable {
        public let index: Int
        public let generation: UInt64
    }

    /// Owns the memory; the pointers below are cached in the struct so that using them costs no
    /// class-property access.
    private var storage: Storage
    private var keys: UnsafeMutablePointer<Key>
    private var values: UnsafeMutablePointer<Value>
    /// 0 for an empty slot, else the key's hash with the top bit set.
    private var tags: UnsafeMutablePointer<UInt64>
    private var mask: Int
    public private(set) var count = 0
    /// Changes on every insertion and removal: the moments slots may move.
    public private(set) var generation: UInt64 = 0

    final class Storage {
        var keys: UnsafeMutablePointer<Key>
        var values: UnsafeMutablePointer<Value>
        var tags: UnsafeMutablePointer<UInt64>
        var capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            keys = .allocate(capacity: capacity)
            values = .allocate(capacity: capacity)
            tags = .allocate(capacity: capacity)
            tags.initialize(repeating: 0, count: capacity)
        }

        /// A storage of the same capacity holding copies of every entry, at the same slots.
        func copy() -> Storage {
            let c = Storage(capacity: capacity)
            for i in 0..<capacity where tags[i] != 0 {
                c.tags[i] = tags[i]
                (c.keys + i).initialize(to: keys[i])
                (c.values + i).initialize(to: values[i])
            }
            return c
        }

        deinit {
            for i in 0..<capacity where tags[i] != 0 {
                (keys + i).deinitialize(count: 1)
                (values + i).deinitialize(count: 1)
            }
            keys.deallocate()
            values.deallocate()
            tags.deallocate()
        }
    }

    public init(minimumCapacity: Int = 64) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        storage = Storage(capacity: capacity)
        keys = storage.keys
        values = storage.values
        tags = storage.tags
        mask = capacity - 1
    }

    /// Before any change: a storage shared with a copy of the table is copied first. Slots stay
    /// where they were, so the generation does not change.
    @inline(__always)
    private mutating func makeUnique() {
        if _slowPath(!isKnownUniquelyReferenced(&storage)) {
            storage = storage.copy()
            keys = storage.keys
            values = storage.values
            tags = storage.tags
        }
    }

    @inline(__always)
    static func tag(_ k: Key) -> UInt64 {
        var h = k.tableHash
        h ^= h >> 31
        h &*= 0xd6e8_feb8_6659_fd93
        h ^= h >> 32
        return h | 1 << 63
    }

    @inline(__always)
    private func slot(of key: Key, tag: UInt64) -> (index: Int, found: Bool) {
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let t = tags[i]
            if t == 0 { return (i, false) }
            if t == tag && keys[i] == key { return (i, true) }
            i = (i &+ 1) & mask
        }
    }

    public subscript(key: Key) -> Value? {
        let (i, found) = slot(of: key, tag: Self.tag(key))
        return found ? values[i] : nil
    }

    /// Runs `body` on the value for `key`, made by `create` first when there is none.
    @inline(__always)
    public mutating func update<R>(_ key: Key, create: () -> Value, _ body: (inout Value) -> R) -> R {
        let i = slot(for: key, create: create).slot.index
        makeUnique()
        return body(&values[i])
    }

    /// The slot holding `key`'s value, made by `create` first when there is none. The slot is
    /// valid until the next insertion or removal.
    @inline(__always)
    public mutating func slot(for key: Key, create: () -> Value) -> (slot: Slot, inserted: Bool) {
        let tag = Self.tag(key)
        var (i, found) = slot(of: key, tag: tag)
        if !found {
            makeUnique()
            if (count + 1) * 2 > mask + 1 {
                grow()
                i = slot(of: key, tag: tag).index
            }
            tags[i] = tag
            (keys + i).initialize(to: key)
            (values + i).initialize(to: create())
            count += 1
            generation &+= 1
        }
        return (Slot(index: i, generation: generation), !found)
    }

    /// The slot holding `key`'s value, if any.
    @inline(__always)
    public func slot(for key: Key) -> Slot? {
        let (i, found) = slot(of: key, tag: Self.tag(key))
        return found ? Slot(index: i, generation: generation) : nil
    }

    /// `slot` when nothing has moved since it was taken, else `key`'s slot found again (nil when
    /// `key` has gone).
    @inline(__always)
    public func refreshed(_ slot: Slot, key: Key) -> Slot? {
        slot.generation == generation ? slot : self.slot(for: key)
    }

    /// Bytes of its slots (keys, values and tags; not what values own besides).
    public var footprint: Int {
        (mask + 1) * (MemoryLayout<Key>.stride + MemoryLayout<Value>.stride + MemoryLayout<UInt64>.stride)
    }

    /// The value in a slot of the current generation, addressed in place.
    public subscript(slot s: Slot) -> Value {
        unsafeAddress {
            assert(s.generation == generation, "a flow-table slot used after the table moved")
            return UnsafePointer(values + s.index)
        }
        unsafeMutableAddress {
            assert(s.generation == generation, "a flow-table slot used after the table moved")
            makeUnique()
            return values + s.index
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        let (i, found) = slot(of: key, tag: Self.tag(key))
        guard found else { return nil }
        makeUnique()
        return remove(at: i)
    }

    /// Removes every entry `shouldRemove` picks; returns how many went.
    @discardableResult
    public mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) -> Int {
        var removed = 0
        var i = 0
        makeUnique()
        while i <= mask {
            if tags[i] != 0, shouldRemove(keys[i], values[i]) {
                remove(at: i)
                removed += 1
                continue  // the slot now holds a shifted entry: look at it again
            }
            i += 1
        }
        return removed
    }

    /// Every entry, in table order.
    public func forEach(_ body: (Key, Value) -> Void) {
        for i in 0...mask where tags[i] != 0 { body(keys[i], values[i]) }
    }

    /// Deletes slot `i` and shifts back the entries of its probe run (Knuth's algorithm R).
    @discardableResult
    private mutating func remove(at i: Int) -> Value {
        (keys + i).deinitialize(count: 1)
        let value = (values + i).move()
        var hole = i
        var j = i
        while true {
            j = (j &+ 1) & mask
            if tags[j] == 0 { break }
            let home = Int(truncatingIfNeeded: tags[j]) & mask
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if !stays {
                tags[hole] = tags[j]
                (keys + hole).moveInitialize(from: keys + j, count: 1)
                (values + hole).moveInitialize(from: values + j, count: 1)
                hole = j
            }
        }
        tags[hole] = 0
        count -= 1
        generation &+= 1
        return value
    }

    private mutating func grow() {
        let old = storage, oldCapacity = mask + 1
        let capacity = oldCapacity * 2
        storage = Storage(capacity: capacity)
        keys = storage.keys
        values = storage.values
        tags = storage.tags
        mask = capacity - 1
        for i in 0..<oldCapacity where old.tags[i] != 0 {
            var j = Int(truncatingIfNeeded: old.tags[i]) & mask
            while tags[j] != 0 { j = (j &+ 1) & mask }
            tags[j] = old.tags[i]
            (keys + j).moveInitialize(from: old.keys + i, count: 1)
            (values + j).moveInitialize(from: old.values + i, count: 1)
            old.tags[i] = 0  // moved out: the old storage must not deinitialize it
        }
    }
}
