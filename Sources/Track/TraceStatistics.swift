import Decode

/// What a pass over a trace saw: the counts `pktt show --count` prints.
public struct TraceStatistics: Sendable {
    /// Packets shown: one per frame, or one per RPC message when a frame holds several.
    public var packets = 0
    public var frames = 0
    public var bytes = 0
    /// Packets carrying each layer, indexed by `Layer.rawValue`.
    public var layers = InlineArray<24, Int>(repeating: 0)  // one per `Layer` case (17 now), with room to spare
    /// Packets cut by the snaplen.
    public var truncated = 0
    /// Packets whose bytes were malformed somewhere (the packet keeps the layers before it).
    public var decodeErrors = 0
    /// Enum values a program body held that their enum does not define (kept, decoding went on).
    public var undefinedValues = 0
    public var fragments = 0
    public var reassembled = 0
    public var fragmentEvictions = 0
    /// Files that could not be read to their end (a corrupt record or an I/O error).
    public var fileErrors = 0
    /// Files whose last record was cut short.
    public var truncatedFiles = 0
    /// Records whose time could not be represented, clamped to the readers' window.
    public var clampedTimes = 0

    public init() {}

    @inline(__always)
    mutating func count(layers present: LayerSet, truncated isTruncated: Bool, malformed: Bool) {
        packets += 1
        var bits = present.rawValue
        while bits != 0 {
            layers[bits.trailingZeroBitCount] += 1
            bits &= bits - 1
        }
        if isTruncated { truncated += 1 }
        if malformed { decodeErrors += 1 }
    }

    public func count(of layer: Layer) -> Int { layers[Int(layer.rawValue)] }

    /// One line: `packets N ethernet N … truncated N errors N`.
    public var summary: String {
        var parts = ["packets \(packets)", "frames \(frames)"]
        for layer in Layer.allCases { parts.append("\(layer.name) \(count(of: layer))") }
        parts.append("fragments \(fragments)")
        parts.append("reassembled \(reassembled)")
        parts.append("fragment_evictions \(fragmentEvictions)")
        parts.append("truncated \(truncated)")
        parts.append("errors \(decodeErrors)")
        if undefinedValues > 0 { parts.append("undefined_values \(undefinedValues)") }
        if fileErrors > 0 { parts.append("file_errors \(fileErrors)") }
        if truncatedFiles > 0 { parts.append("truncated_files \(truncatedFiles)") }
        if clampedTimes > 0 { parts.append("clamped_times \(clampedTimes)") }
        return parts.joined(separator: " ")
    }
}
