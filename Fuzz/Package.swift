// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for feedd's parsers and renderer. Build and run with
/// `make fuzz` from the repository root (see Fuzz/README.md).
let package = Package(
    name: "feedd-fuzz",
    dependencies: [.package(name: "feedd", path: "..")],
    targets: [
        .systemLibrary(name: "CXMLFuzz", pkgConfig: "libxml-2.0"),
        .executableTarget(name: "FuzzFrontMatter", dependencies: [.product(name: "FeedCore", package: "feedd")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "FuzzJSON", dependencies: [.product(name: "FeedCore", package: "feedd")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "FuzzListing", dependencies: [.product(name: "FeedCore", package: "feedd")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "FuzzRender", dependencies: [.product(name: "FeedCore", package: "feedd"), "CXMLFuzz"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
