import Decode

/// The capture record is the header catalogue's `record` layer (`HeaderField.recordFrame`…).
extension PacketRecord: RecordFields {}
