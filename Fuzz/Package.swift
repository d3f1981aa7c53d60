// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for pktt, one per decoder, kept out of the main package so its build stays
// fast. Build and run them with ../scripts/fuzz (it passes -sanitize=fuzzer,address).
// The targets use only the public API of the main package's libraries.
let fuzzTargets = [
    "FuzzCaptureFile", "FuzzCaptureGzip", "FuzzCaptureMerged", "FuzzPacket", "FuzzRPCStream",
    "FuzzXDRBody", "FuzzPipeline", "FuzzMatch",
]

let package = Package(
    name: "pktt-fuzz",
    dependencies: [.package(name: "pktt", path: "..")],
    targets: [
        // zlib, to compress fuzz input for the gzip reader (the main package's CZlib is not a product).
        .systemLibrary(name: "FuzzZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The targets' bodies, shared with the main package's FuzzRegressionTests (which compiles
        // these files too, through the link Tests/PacketTraceTests/FuzzHarness).
        .target(name: "FuzzCommon", dependencies: [.product(name: "PacketTrace", package: "pktt"), "FuzzZlib"]),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzCommon"])
    },
    swiftLanguageModes: [.v6]
)
