import PcapIO

/// `for pkt in trace { … }`: the packets from the current index on, as owned `Pkt` views (the
/// seed's iteration). A damaged file's error ends nothing: its packets before the damage come,
/// then the other files' (the errors are in `errors`); use `next()` to see each as it happens.
extension Pktt: Sequence {
    public struct Iterator: IteratorProtocol {
        let trace: Pktt

        public mutating func next() -> Pkt? {
            while true {
                do {
                    guard try trace.next() else { return nil }
                    return trace.pkt
                } catch {
                    trace.errors.append(error)
                }
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(trace: self) }
}
