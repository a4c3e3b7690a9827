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
        // SQLite 3.54.1, the amalgamation compiled in (see Sources/CSQLite/README.md):
        // a first run's inserts and index builds take about a third less time
        // than with Debian 12's 3.40 library.
        .target(name: "CSQLite", exclude: ["README.md"], cSettings: [
            // sqlite.org's recommended options (https://sqlite.org/compile.html#rcmd) …
            .define("SQLITE_DQS", to: "0"),
            .define("SQLITE_THREADSAFE", to: "2"),  // a connection is used by one thread at a time (feedd opens it NOMUTEX)
            .define("SQLITE_DEFAULT_MEMSTATUS", to: "0"),
            .define("SQLITE_LIKE_DOESNT_MATCH_BLOBS"),
            .define("SQLITE_MAX_EXPR_DEPTH", to: "0"),
            .define("SQLITE_OMIT_DEPRECATED"),
            .define("SQLITE_OMIT_LOAD_EXTENSION"),
            .define("SQLITE_OMIT_PROGRESS_CALLBACK"),
            .define("SQLITE_OMIT_SHARED_CACHE"),
            .define("SQLITE_USE_ALLOCA"),
            // … and what a configure script finds on Linux (without it SQLite
            // syncs with fsync and sleeps on a busy database in whole seconds).
            .define("HAVE_USLEEP", to: "1"),
            .define("HAVE_FDATASYNC", to: "1"),
            .define("HAVE_LOCALTIME_R", to: "1"),
            .define("HAVE_GMTIME_R", to: "1"),
            .define("HAVE_STRCHRNUL", to: "1"),
        ]),

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
        .target(name: "FeedStore", dependencies: ["FeedModel", "CSQLite"]),
        .target(name: "FeedConfig", dependencies: [
            "FeedModel",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "SystemdNotify"),
        .target(name: "FeedWatch"),
        .target(name: "FeedDaemon", dependencies: [
            "FeedModel", "FeedParse", "FeedDiff", "FeedRender", "FeedStore", "FeedConfig",
            "SystemdNotify", "FeedWatch",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "feedd", dependencies: [
            "FeedDaemon", "FeedConfig", "FeedModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "FeedParseTests", dependencies: ["FeedParse", "FeedModel"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "FeedDiffTests", dependencies: ["FeedDiff", "FeedModel", "FeedParse"]),
        .testTarget(name: "FeedRenderTests", dependencies: ["FeedRender", "FeedModel", "CLibXML2"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "FeedStoreTests", dependencies: ["FeedStore", "FeedModel"]),
        .testTarget(name: "FeedConfigTests", dependencies: ["FeedConfig", "FeedModel"]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify"]),
        .testTarget(name: "FeedWatchTests", dependencies: ["FeedWatch"]),
        .testTarget(name: "FeedDaemonTests", dependencies: ["FeedDaemon", "FeedModel", "FeedConfig"],
                    exclude: ["Catalogue"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
