import Decode

/// The rule the daemon shards packets to its workers by: everything a pipeline must see
/// together gets the same hash, whichever way it travels.
///
/// - TCP: both endpoints (address and port), in a fixed order: both directions of a connection
///   meet, and so do its records, its calls and their replies.
/// - UDP, IP fragments and RPC over RDMA: both addresses only, in a fixed order. Fragments after
///   the first carry no ports, RDMA has none, and a UDP reply that comes in fragments (an NFS
///   READ) must meet its call, which did not.
///
/// Not covered: a TCP segment that itself arrives in IP fragments (stacks set DF on TCP) is
/// reassembled on its addresses' worker, not its connection's.
public enum FlowHash {
    /// The shard of a decoded packet (at least its link and IP layers).
    @inline(__always)
    public static func of(_ p: inout Packet) -> UInt64 {
        let layers = p.layers
        let v6 = layers.has(.ipv6)
        var a: IPAddress, b: IPAddress
        if layers.has(.infiniband) && !layers.has(.ipv4) && !layers.has(.ipv6) {
            (a, b) = RDMAIngest.addresses(&p)
        } else if v6 || layers.has(.ipv4) {
            (a, b) = v6 ? (p.ipv6.src, p.ipv6.dst) : (p.ipv4.src, p.ipv4.dst)
        } else {
            return 0  // no addresses: not RPC's to track
        }
        var pa: UInt16 = 0, pb: UInt16 = 0
        let fragment = (layers.has(.ipv4) && (p.ipv4.flagMF || p.ipv4.fragmentOffset != 0))
            || (v6 && p.ipv6.hasFragmentHeader)
        if layers.has(.tcp) && !fragment && !layers.has(.infiniband) {
            pa = p.tcp.srcPort
            pb = p.tcp.dstPort
        }
        // The same order whichever way the packet went.
        if (b.high, b.low, pb) < (a.high, a.low, pa) {
            swap(&a, &b)
            swap(&pa, &pb)
        }
        let ports = UInt64(pa) << 16 | UInt64(pb)
        var h = a.low &* 0x9e37_79b9_7f4a_7c15 ^ a.high &* 0xc2b2_ae3d_27d4_eb4f
        h ^= (b.low ^ b.high.rotated(17)) &* 0x1656_67b1_9e37_79f9
        h ^= ports &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 29
        h &*= 0xbf58_476d_1ce4_e5b9
        return h ^ h >> 32
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotated(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
