/// The container format of a capture file, told by its magic number.
public enum CaptureFormat: Sendable, Equatable, CustomStringConvertible {
    /// Classic libpcap format (tcpdump), either byte order, microsecond or nanosecond timestamps.
    case pcap
    /// pcapng (dumpcap, tcpdump ≥ 4.99 with `--pcapng`), sections in either byte order.
    case pcapng
    /// Sun snoop version 2 (RFC 1761), big-endian.
    case snoop

    public var description: String {
        switch self {
        case .pcap: "pcap"
        case .pcapng: "pcapng"
        case .snoop: "snoop"
        }
    }
}
