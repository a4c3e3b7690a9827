// swift-tools-version: 6.0
import PackageDescription

/// feedd: an Atom feed producer and monitor daemon.
///
/// The pure core (FeedModel, FeedParse, FeedDiff, FeedRender) has no effects;
/// FeedStore, FeedWatch, SystemdNotify and FeedDaemon sit at the edges.
let package = Package(
    name: "feedd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "feedd", targets: ["feedd"]),
        // The pure core, for the fuzzers in Fuzz/ (a separate package).
        .library(name: "FeedCore", targets: ["FeedModel", "FeedParse", "FeedDiff", "FeedRender"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCmarkGFM", pkgConfig: "libcmark-gfm",
                       providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // The one EINTR loop every module that makes system calls shares.
        .target(name: "Syscall"),

        .target(name: "FeedModel", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "FeedParse", dependencies: [
            "FeedModel",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "FeedDiff", dependencies: ["FeedModel"]),
        .target(name: "FeedRender", dependencies: [
            "FeedModel", "CLibXML2", "CCmarkGFM",
        ]),
        .target(name: "FeedStore", dependencies: ["FeedModel", "CSQLite", "Syscall"]),
        .target(name: "FeedConfig", dependencies: [
            "FeedModel",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "SystemdNotify", dependencies: ["Syscall"]),
        .target(name: "FeedWatch", dependencies: ["FeedModel", "Syscall"]),
        .target(name: "FeedDaemon", dependencies: [
            "FeedModel", "FeedParse", "FeedDiff", "FeedRender", "FeedStore", "FeedConfig",
            "SystemdNotify", "FeedWatch", "Syscall",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "feedd", dependencies: [
            "FeedDaemon", "FeedConfig", "FeedModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // What several test targets share (a seeded generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FeedParseTests", dependencies: ["FeedParse", "FeedModel", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "FeedDiffTests", dependencies: ["FeedDiff", "FeedModel", "FeedParse", "TestSupport"]),
        .testTarget(name: "FeedRenderTests", dependencies: ["FeedRender", "FeedModel", "CLibXML2", "TestSupport"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "FeedStoreTests", dependencies: ["FeedStore", "FeedModel", "CSQLite"]),
        .testTarget(name: "FeedConfigTests", dependencies: ["FeedConfig", "FeedModel", "TestSupport"]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify"]),
        .testTarget(name: "FeedWatchTests", dependencies: ["FeedWatch"]),
        .testTarget(name: "FeedDaemonTests", dependencies: ["FeedDaemon", "FeedModel", "FeedConfig", "FeedStore", "TestSupport"],
                    exclude: ["Catalogue"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
