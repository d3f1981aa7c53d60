import FuzzCommon
import FuzzMonitorCommon

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)
    MonitorFuzzTarget.monitor.run(bytes) { ScratchFile.write(bytes, slot: 0) }
    return 0
}
