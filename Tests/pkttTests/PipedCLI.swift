import Foundation

/// Runs `pktt` as `CLI.run` does, with bytes on its standard input, and tells a trap (a signal)
/// from an exit.
enum PipedCLI {
    struct Result {
        /// The process ended by a signal (a trap is SIGILL or SIGTRAP), not by exiting.
        var signalled: Bool
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [Substring] { stdout.split(separator: "\n") }
    }

    static func run(_ arguments: [String], input: [UInt8]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        process.environment = environment
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            // Written from another thread so that a full stdout pipe cannot stall both sides.
            let writer = inPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? writer.write(contentsOf: Data(input))
                try? writer.close()
            }
        }
        // pktt's messages are a few lines: stderr cannot fill its pipe while stdout is read.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(signalled: process.terminationReason == .uncaughtSignal, status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
