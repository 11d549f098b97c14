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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CImageCodecs", linkerSettings: [
            .linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z"),
            .linkedLibrary("webp"), .linkedLibrary("webpdemux"), .linkedLibrary("webpmux"),
            .linkedLibrary("heif"), .linkedLibrary("tiff"), .linkedLibrary("gif"),
        ]),
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
        .target(name: "StyleServer", dependencies: [
            "StyleCore", "StyleIO", "StyTr2", "GramStyle", "StyleTransfer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], resources: [.copy("Web"), .copy("Styles")]),
        .executableTarget(name: "stylize", dependencies: [
            "StyleCore", "StyleIO", "StyTr2", "GramStyle", "StyleTransfer", "StyleBatch", "StyleVideo", "StyleServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "StyleCoreTests", dependencies: ["StyleCore", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
        .target(name: "PNGTestSupport", path: "Tests/PNGTestSupport"),
        .target(name: "ImageFixtures", path: "Tests/ImageFixtures", resources: [.copy("formats")]),
        .target(name: "TensorTestSupport", dependencies: ["StyleCore"], path: "Tests/TensorTestSupport"),
        .target(name: "WeightsTestSupport", dependencies: ["StyTr2", "StyleIO"], path: "Tests/WeightsTestSupport"),
        .testTarget(name: "StyleIOTests", dependencies: ["StyleIO", "PNGTestSupport", "ImageFixtures"]),
        .testTarget(name: "CLITests", dependencies: ["StyleIO", "StyTr2", "PNGTestSupport", "WeightsTestSupport", "ImageFixtures"]),
        .testTarget(name: "StyTr2Tests", dependencies: ["StyTr2", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StyleBatchTests", dependencies: ["StyleBatch", "StyleIO", "StyleCore"]),
        .testTarget(name: "StyleTransferTests", dependencies: ["StyleTransfer", "StyleIO", "StyleCore"]),
        .testTarget(name: "StyleVideoTests", dependencies: ["StyleVideo", "StyleCore"]),
        .testTarget(name: "StyleServerTests", dependencies: [
            "StyleServer", "StyleTransfer", "GramStyle", "StyleIO", "StyleCore", "PNGTestSupport", "WeightsTestSupport", "ImageFixtures",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "GramStyleTests", dependencies: ["GramStyle", "StyleIO", "TensorTestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
