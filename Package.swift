// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "pktt",
    products: [
        .library(name: "PacketTrace", targets: ["PacketTrace"]),
        .executable(name: "pktt", targets: ["pktt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpcap: live capture and BPF (files are read in pure Swift by PcapIO).
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        // zlib: gzip-compressed capture files.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "PcapIO", dependencies: ["CPcap", "CZlib"]),
        .target(name: "Decode"),
        .target(name: "Track", dependencies: ["Decode"]),
        .target(name: "Match", dependencies: ["Decode"]),
        .target(name: "PacketTrace", dependencies: ["PcapIO", "Decode", "Track", "Match"]),
        .target(name: "Monitor", dependencies: [
            "PcapIO", "Decode", "Track", "Match", "PacketTrace",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "pktt", dependencies: [
            "Monitor", "PacketTrace",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "PcapIOTests", dependencies: ["PcapIO"]),
        .testTarget(name: "DecodeTests", dependencies: ["Decode"]),
        .testTarget(name: "TrackTests", dependencies: ["Track", "Decode"]),
        .testTarget(name: "MatchTests", dependencies: ["Match", "Decode"]),
        .testTarget(name: "PacketTraceTests", dependencies: ["PacketTrace", "PcapIO", "Decode", "Track", "Match"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "PacketTrace", "PcapIO", "Track", "Match", "Decode"]),
        .testTarget(name: "pkttTests", dependencies: ["pktt"]),
    ],
    swiftLanguageModes: [.v6]
)
