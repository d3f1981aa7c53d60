/// The packet target's input: a link type (byte 0, an index into `linkTypes`), then frames,
/// each a 2-byte length, a byte of extra original length (a snaplen cut), and its bytes.
public enum FrameList {
    public static let linkTypes: [UInt32] = [1, 0, 101, 12, 108, 113, 197, 228, 229, 276]
    public static let maximumFrames = 64
}
