import Testing
import Decode
@testable import Track

@Suite("Flow table")
struct FlowTableTests {
    func key(_ n: Int) -> FlowKey {
        FlowKey(src: IPAddress(ipv4: UInt32(n % 7)), dst: IPAddress(ipv4: 1), srcPort: UInt16(n % 65_000),
                dstPort: 2049, proto: 6)
    }

    @Test("Random inserts, updates and removals agree with a Dictionary")
    func againstDictionary() {
        var table = FlowTable<FlowKey, Int>(minimumCapacity: 4)
        var reference: [FlowKey: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let k = key(Int.random(in: 0..<3_000, using: &rng))
            switch Int.random(in: 0..<3, using: &rng) {
            case 0, 1:
                table.update(k, create: { 0 }) { $0 += step }
                reference[k, default: 0] += step
            default:
                #expect(table.removeValue(forKey: k) == reference.removeValue(forKey: k))
            }
        }
        #expect(table.count == reference.count)
        for (k, v) in reference { #expect(table[k] == v) }
        let removed = table.removeAll { _, v in v % 2 == 0 }
        let expected = reference.filter { $0.value % 2 == 0 }.count
        #expect(removed == expected)
        #expect(table.count == reference.count - expected)
        for (k, v) in reference { #expect(table[k] == (v % 2 == 0 ? nil : v)) }
    }
}
