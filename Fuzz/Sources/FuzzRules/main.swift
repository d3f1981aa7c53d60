import FuzzMonitorCommon

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    MonitorFuzzTarget.rules.run(UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)) { "" }
    return 0
}
