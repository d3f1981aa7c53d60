import Decode
import PacketTrace
import Testing

/// How an enum value outside its definition reads in JSON and on one line (xdr/README.md,
/// "Enums"), where the real captures (UndefinedEnumCaptureTests) have none: a union with no arm
/// for it, which ends the tape there.
@Suite struct XDRUndefinedEnumDisplayTests {
    static func words(_ w: [UInt32]) -> [UInt8] {
        w.flatMap { v in (0..<4).map { UInt8((v >> (24 - 8 * UInt32($0))) & 0xff) } }
    }

    @Test func aDiscriminantWithNoArmIsTheLastMemberAndTheTapeSaysIncomplete() {
        // NFSv3 CREATE: a 4-byte directory handle, name "f", createmode3 7 (createhow3 has no default)
        let body = Self.words([4, 0x0102_0304, 1, 0x6600_0000, 7])
        let (summary, json) = XDRDisplayTests.show(100_003, 3, 8, reply: false, body)
        #expect(json.hasSuffix(#""how":{"mode":"7","mode_code":7,"mode_undefined":true},"incomplete":true}"#), "\(json)")
        #expect(summary.hasSuffix("/f 7"), "\(summary)")
        // a defined value has no _undefined
        let (_, guarded) = XDRDisplayTests.show(100_003, 3, 8, reply: false,
                                                Self.words([4, 0x0102_0304, 1, 0x6600_0000, 1, 0, 0, 0, 0, 0, 0]))
        #expect(guarded.contains(#""how":{"mode":"GUARDED","mode_code":1,"obj_attributes":{"#), "\(guarded)")
        #expect(!guarded.contains("_undefined") && !guarded.contains("incomplete"))
    }

    @Test func anUndefinedOpInACompoundIsTheLastElementOfItsArray() {
        // COMPOUND call: tag "", minor version 1, PUTROOTFH, op 2 (no such op), GETATTR never read
        let body = Self.words([0, 1, 3, 24, 2, 9, 1, 0x12])
        let (_, json) = XDRDisplayTests.show(100_003, 4, 1, reply: false, body)
        #expect(json.contains(#"{"argop":"OP_PUTROOTFH","argop_code":24},{"argop":"2","argop_code":2,"argop_undefined":true}]"#),
                "\(json)")
        #expect(json.hasSuffix(#""incomplete":true}"#), "\(json)")
    }
}
