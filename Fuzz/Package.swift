// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for pktt, one per decoder, kept out of the main package so its build stays
// fast. Build and run them with ../scripts/fuzz (it passes -sanitize=fuzzer,address).
// The targets use only the public API of the main package's libraries.
let fuzzTargets = [
    "FuzzCaptureFile", "FuzzCaptureGzip", "FuzzCaptureMerged", "FuzzPacket", "FuzzRPCStream",
    "FuzzXDRBody", "FuzzPipeline", "FuzzMatch",
]
// The daemon's targets (rules files, the whole `pktt run` pipeline).
let monitorFuzzTargets = ["FuzzRules", "FuzzMonitor"]

let package = Package(
    name: "pktt-fuzz",
    dependencies: [
        .package(name: "pktt", path: ".."),
        // the daemon's YAML rules files (the same requirement as the main package's)
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // zlib, to compress fuzz input for the gzip reader (the main package's CZlib is not a product).
        .systemLibrary(name: "FuzzZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The targets' bodies, shared with the main package's FuzzRegressionTests (which compiles
        // these files too, through the link Tests/PacketTraceTests/FuzzHarness).
        .target(name: "FuzzCommon", dependencies: [.product(name: "PacketTrace", package: "pktt"), "FuzzZlib"]),
        // The daemon's sources (Sources/PkttMonitor links to ../../Sources/Monitor): the main
        // package has no Monitor product, and a target here cannot be named Monitor too (target
        // names are unique across the package graph), so the module is PkttMonitor here.
        .target(name: "PkttMonitor", dependencies: [
            .product(name: "PacketTrace", package: "pktt"), .product(name: "Yams", package: "Yams"),
        ]),
        // The daemon targets' bodies, shared with the main package's MonitorTests (which compiles
        // these files too, through the link Tests/MonitorTests/FuzzMonitorHarness, with Monitor).
        .target(name: "FuzzMonitorCommon", dependencies: ["PkttMonitor"],
                swiftSettings: [.define("PKTT_FUZZ_PACKAGE")]),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzCommon"])
    } + monitorFuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzCommon", "FuzzMonitorCommon"])
    },
    swiftLanguageModes: [.v6]
)
