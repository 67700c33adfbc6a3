// swift-tools-version:6.0
//
// Layout (DEVELOPERS.md): pure modules (no sockets, no clock, no threads)
// sit below the I/O modules.
//
//   ByteCoding   bounds-checked byte reader and writer                (pure)
//   SSTPWire     MS-SSTP 2.2 packets, attributes, deframer            (pure)
//   SSTPHTTP     MS-SSTP 3.2.5.1 / 4 HTTP requests and responses      (pure)
//   SSTPCrypto   crypto binding, MS-CHAPv2, MPPE keys over libcrypto  (pure: no I/O)
//   PPP          userspace PPP: LCP, PAP/CHAP/MS-CHAPv2/EAP, IPCP,   (pure)
//                IPv6CP, HDLC codec; client and server engines
//   CSSTPOpenSSL the C shim over system OpenSSL
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sstp",
    products: [
        .library(name: "SSTPWire", targets: ["SSTPWire"]),
        .library(name: "SSTPHTTP", targets: ["SSTPHTTP"]),
        .library(name: "SSTPCrypto", targets: ["SSTPCrypto"]),
        .library(name: "PPP", targets: ["PPP"]),
        .library(name: "SSTPFuzzBodies", targets: ["SSTPFuzzBodies"]),
    ],
    targets: [
        .target(
            name: "CSSTPOpenSSL",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(name: "ByteCoding", swiftSettings: strict),
        .target(name: "SSTPWire", dependencies: ["ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPHTTP", dependencies: ["ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPCrypto", dependencies: ["CSSTPOpenSSL", "SSTPWire", "ByteCoding"], swiftSettings: strict),
        .target(name: "PPP", dependencies: ["ByteCoding", "SSTPCrypto"], swiftSettings: strict),
        // The bodies of the libFuzzer targets, shared with the regression
        // tests that replay the corpus and every crash input (Fuzz/).
        .target(
            name: "SSTPFuzzBodies",
            dependencies: ["SSTPWire", "SSTPHTTP", "PPP"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PPPTests",
            dependencies: ["PPP", "ByteCoding", "SSTPCrypto", "SSTPFuzzBodies"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSTPCryptoTests",
            dependencies: ["SSTPCrypto", "SSTPWire"],
            swiftSettings: strict
        ),
    ]
)
