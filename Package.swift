// swift-tools-version:6.1
import PackageDescription

// Module graph follows the pipeline:
// C shims (CBLAS, CImageCodecs, CKernels) → StyleCore (tensor, kernels) → StyleIO (images, npy, safetensors)
// → models → optimisation → stylize CLI.

let package = Package(
    name: "stylize",
    products: [
        .executable(name: "stylize", targets: ["stylize"]),
        .library(name: "StyleCore", targets: ["StyleCore"]),
        .library(name: "StyleIO", targets: ["StyleIO"]),
        .library(name: "StyTr2", targets: ["StyTr2"]),
        .library(name: "GramStyle", targets: ["GramStyle"]),
        .library(name: "StyleTransfer", targets: ["StyleTransfer"]),
        .library(name: "StyleBatch", targets: ["StyleBatch"]),
        .library(name: "StyleVideo", targets: ["StyleVideo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "StyleCore", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "StyleIO", dependencies: ["StyleCore", "CImageCodecs", "CCrypto"]),
        .target(name: "StyTr2", dependencies: ["StyleCore"]),
        .target(name: "GramStyle", dependencies: ["StyleCore"]),
        .target(name: "StyleTransfer", dependencies: ["StyleCore", "StyleIO", "StyTr2", "GramStyle"]),
        // Batch planning, sharding, resume checks and manifests: the CLI's, not the library's.
        .target(name: "StyleBatch", dependencies: ["StyleCore", "StyleIO"]),
        .target(name: "StyleVideo", dependencies: ["StyleCore", "StyleIO", "StyleTransfer"]),
        .executableTarget(name: "stylize", dependencies: [
            "StyleCore", "StyleIO", "StyTr2", "GramStyle", "StyleTransfer", "StyleBatch", "StyleVideo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "StyleCoreTests", dependencies: ["StyleCore", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
        .target(name: "PNGTestSupport", path: "Tests/PNGTestSupport"),
        .target(name: "TensorTestSupport", dependencies: ["StyleCore"], path: "Tests/TensorTestSupport"),
        .testTarget(name: "StyleIOTests", dependencies: ["StyleIO", "PNGTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["StyleIO", "StyTr2", "PNGTestSupport"]),
        .testTarget(name: "StyTr2Tests", dependencies: ["StyTr2", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StyleBatchTests", dependencies: ["StyleBatch", "StyleIO", "StyleCore"]),
        .testTarget(name: "StyleTransferTests", dependencies: ["StyleTransfer", "StyleIO", "StyleCore"]),
        .testTarget(name: "StyleVideoTests", dependencies: ["StyleVideo", "StyleCore"]),
        .testTarget(name: "GramStyleTests", dependencies: ["GramStyle", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
