import Decode

/// JSON members named by the header catalogue (`HeaderField.key`), so the keys `--json` writes
/// and the names match expressions resolve are one list.
extension TextBuffer {
    mutating func key(_ field: HeaderField) { key(field.key) }

    mutating func field<T: BinaryInteger>(_ field: HeaderField, _ value: T) { self.field(field.key, value) }

    mutating func field(_ field: HeaderField, _ value: String) { self.field(field.key, value) }

    mutating func field(_ field: HeaderField, _ value: Bool) { self.field(field.key, value) }

    mutating func object(_ field: HeaderField, _ body: (inout TextBuffer) -> Void) { object(field.key, body) }
}
