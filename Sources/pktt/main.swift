import ArgumentParser

/// `pktt`: watch ONC RPC and NFS traffic in capture files and on the wire.
struct PkttCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pktt",
        abstract: "Decode and match ONC RPC / NFS traffic in tcpdump captures.",
        subcommands: [Show.self, MatchCommand.self, RunCommand.self])
}

PkttCommand.main()
