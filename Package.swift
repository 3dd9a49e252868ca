// swift-tools-version:6.0
import PackageDescription

// Swift 6 language mode everywhere (the tools-version default), plus the upcoming
// features that keep existential and import use explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Rapport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rapport", targets: ["rapport"]),
        // Only for scripts/bench: the same framework with nothing of Rapport, measured in the same run.
        .executable(name: "rapport-bare", targets: ["RapportBare"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0" ..< "5.0.0"),
        // Email through the practice's own mail server (SMTP with STARTTLS): on the NIO that Vapor already runs on.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // Whole-page snapshots of the main pages (RapportServerTests only).
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing.git", from: "1.19.0"),
    ],
    targets: [
        // Pure domain: Foundation only.
        .target(name: "RapportCore", resources: [.copy("Resources/Instruments"), .copy("Resources/Models")], swiftSettings: strictSettings),
        // Keys, envelopes, blind indexes, audit chain, TOTP: swift-crypto only.
        .target(
            name: "RapportVault",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RapportServer",
            dependencies: [
                "RapportCore",
                "RapportVault",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rapport",
            dependencies: [
                "RapportServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RapportBare",
            dependencies: [.product(name: "Vapor", package: "vapor")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RapportCoreTests",
            dependencies: ["RapportCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RapportVaultTests", dependencies: ["RapportVault"], swiftSettings: strictSettings),
        .testTarget(
            name: "RapportServerTests",
            dependencies: [
                "RapportServer",
                "RapportCore",
                "RapportVault",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            exclude: ["__Snapshots__"],
            swiftSettings: strictSettings
        ),
    ]
)
