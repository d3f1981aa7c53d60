import Synchronization

/// The names of the files a run has read, by the file index records carry: the reader adds
/// them as it opens files, workers read them when they write an event (`pktt.file`).
final class FileNames: Sendable {
    private let names = Mutex<[Int: String]>([:])
    /// Files whose name is kept: past it the oldest are forgotten (a ring followed for months).
    static let capacity = 4096

    func set(_ index: Int, _ name: String) {
        names.withLock {
            $0[index] = name
            if $0.count > Self.capacity, let oldest = $0.keys.min() { $0[oldest] = nil }
        }
    }

    func name(_ index: Int) -> String {
        names.withLock { $0[index] } ?? ""
    }
}
