// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Agora",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "agora", targets: ["agora"]),
        .executable(name: "agora-bench", targets: ["agora-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
    ],
    targets: [
        .target(
            name: "AgoraCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AgoraStore",
            dependencies: [
                "AgoraCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "AgoraCatalog", dependencies: ["AgoraCore", "AgoraStore", "AgoraPeople"]),
        .target(name: "AgoraPeople", dependencies: ["AgoraCore", "AgoraStore"]),
        .target(
            name: "AgoraTables",
            dependencies: [
                "AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "AgoraFederation", dependencies: ["AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople"]),
        .target(
            name: "AgoraHTTP",
            dependencies: [
                "AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople", "AgoraTables",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "agora",
            dependencies: [
                "AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople", "AgoraHTTP", "AgoraTables", "AgoraFederation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "agora-bench",
            dependencies: [
                "AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/agora-bench"
        ),
        .testTarget(name: "AgoraCoreTests", dependencies: ["AgoraCore"]),
        .testTarget(name: "AgoraTablesTests", dependencies: ["AgoraCore", "AgoraStore", "AgoraTables"]),
        .testTarget(name: "StoreConformanceTests", dependencies: ["AgoraCore", "AgoraStore"]),
        .testTarget(name: "AgoraCatalogTests", dependencies: ["AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople"]),
        .testTarget(
            name: "AgoraHTTPTests",
            dependencies: [
                "AgoraCore", "AgoraStore", "AgoraCatalog", "AgoraPeople", "AgoraHTTP", "AgoraTables", "AgoraFederation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
