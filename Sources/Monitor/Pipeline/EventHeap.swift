/// The writer's waiting events, earliest first (a binary min-heap on `PendingEvent.<`).
struct EventHeap {
    private(set) var items: [(event: PendingEvent, line: [UInt8])] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var first: PendingEvent? { items.first?.event }

    mutating func push(_ event: PendingEvent, _ line: [UInt8]) {
        items.append((event, line))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].event < items[parent].event else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (event: PendingEvent, line: [UInt8])? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].event < items[m].event { m = l }
            if r < items.count && items[r].event < items[m].event { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
