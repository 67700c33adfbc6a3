// swift-tools-version:6.0
//
// Layout (DEVELOPERS.md): pure modules (no sockets, no clock, no threads)
// sit below the I/O modules.
//
//   ByteCoding   bounds-checked byte reader and writer                (pure)
//   SSTPWire     MS-SSTP 2.2 packets, attributes, deframer            (pure)
//   SSTPHTTP     MS-SSTP 3.2.5.1 / 4 HTTP requests and responses      (pure)
//   SSTPCrypto   crypto binding, MS-CHAPv2, MPPE keys over libcrypto  (pure: no I/O)
//   SSTPTLS      TLS client and server over libssl, non-blocking      (I/O)
//   PPP          userspace PPP: LCP, PAP/CHAP/MS-CHAPv2/EAP, IPCP,   (pure)
//                IPv6CP, HDLC codec; client and server engines
//   SSTPCall     the SSTP session and PPP composed into one call      (pure)
//   PPPDBridge   messages between the pppd plugin and the service   (pure)
//   CSSTPOpenSSL the C shim over system OpenSSL
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// How the executables are linked (issue 17, client memory; bench/README.md
// "Client memory"): with lld, whose -z pack-relative-relocs (DT_RELR, glibc
// 2.36) stores the static Swift runtime's 42,000 relative relocations in 8 KB
// instead of the 1 MB ld.so read at every start; --no-export-dynamic undoes
// the -export-dynamic of the static runtime's link (its archives' symbols are
// excluded from export anyway; nothing looks ours up), which also lets
// --gc-sections drop what nothing calls. SSTP_STATIC_LIBSTDCXX_DIR, set by the
// Makefile's release build, is a folder holding only GCC's libstdc++.a: the
// static runtime's -lstdc++ then links the few parts it uses (std::string,
// the demangler's) instead of mapping libstdc++.so whole; -static-libgcc
// likewise links the unwinder instead of mapping libgcc_s.so.
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
            "-Xclang-linker", "-static-libgcc",
        ] + (Context.environment["SSTP_STATIC_LIBSTDCXX_DIR"].map { ["-L", $0] } ?? []))
]

let package = Package(
    name: "sstp",
    products: [
        .library(name: "SSTPWire", targets: ["SSTPWire"]),
        .library(name: "SSTPHTTP", targets: ["SSTPHTTP"]),
        .library(name: "SSTPCrypto", targets: ["SSTPCrypto"]),
        .library(name: "SSTPTLS", targets: ["SSTPTLS"]),
        .library(name: "PPP", targets: ["PPP"]),
        .library(name: "SSTPFuzzBodies", targets: ["SSTPFuzzBodies"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .target(
            name: "CSSTPOpenSSL",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(name: "ByteCoding", swiftSettings: strict),
        // Version and git commit for --version: `make` writes the commit
        // into CSSTPBuildInfo/build_commit.h (gitignored; "unknown" without).
        .target(name: "CSSTPBuildInfo", cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .target(name: "SSTPBuildInfo", dependencies: ["CSSTPBuildInfo"], swiftSettings: strict),
        // Log lines on standard error through swift-log, with sd-daemon(3)
        // priority prefixes when standard error is the journal.
        .target(
            name: "SSTPLog",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .target(name: "SSTPDBus", dependencies: ["CDBus", "SSTPPlatform"], swiftSettings: strict),
        .target(name: "CSSTPPlatform", cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .target(name: "SSTPPlatform", dependencies: ["CSSTPPlatform", "ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPWire", dependencies: ["ByteCoding"], swiftSettings: strict),
        // The wire format of nm-plugin/pppd/PROTOCOL.md (the C plugin's side
        // is nm-plugin/pppd/bridge-wire.c).
        .target(name: "PPPDBridge", dependencies: ["ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPHTTP", dependencies: ["ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPCrypto", dependencies: ["CSSTPOpenSSL", "SSTPWire", "ByteCoding"], swiftSettings: strict),
        .target(name: "SSTPDataPlane", swiftSettings: strict),
        .target(name: "SSTPSession", dependencies: ["SSTPWire", "SSTPCrypto"], swiftSettings: strict),
        .target(
            name: "SSTPTLS", dependencies: ["CSSTPOpenSSL", "ByteCoding", "SSTPPlatform", "PPP"], swiftSettings: strict),
        // The SSTP session and the PPP link composed into one call (pure).
        .target(name: "SSTPCall", dependencies: ["SSTPSession", "PPP", "SSTPWire"], swiftSettings: strict),
        // The TLS stream on the event loop and the AQM in front of it, shared
        // by the client and the test server (I/O).
        .target(
            name: "SSTPStream", dependencies: ["SSTPPlatform", "SSTPTLS", "SSTPDataPlane", "SSTPCrypto"],
            swiftSettings: strict),
        // The client: one tunnel on the event loop (I/O).
        .target(
            name: "SSTPTunnel",
            dependencies: [
                "SSTPPlatform", "SSTPTLS", "SSTPSession", "SSTPCall", "SSTPDataPlane", "SSTPHTTP", "SSTPWire",
                "SSTPCrypto", "PPP", "ByteCoding", "CSSTPPlatform", "SSTPStream",
            ],
            swiftSettings: strict
        ),
        // The bundled test server (sstp-test-server), with its RADIUS relay (I/O).
        .target(
            name: "SSTPTestServerKit",
            dependencies: [
                "SSTPStream", "SSTPPlatform", "SSTPTLS", "SSTPSession", "SSTPCall", "SSTPDataPlane", "SSTPHTTP",
                "SSTPWire", "SSTPCrypto", "PPP", "RADIUS",
            ],
            swiftSettings: strict
        ),
        // The pppd backend (kernel PPP: pppd on a pty with our bridge
        // plugin), a ClientPPPBackend for SSTPTunnel's client.
        .target(
            name: "PPPDBackend",
            dependencies: [
                "SSTPTunnel", "SSTPCall", "SSTPPlatform", "CSSTPPlatform", "PPP", "PPPDBridge", "SSTPCrypto",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PPPDBackendTests",
            dependencies: ["PPPDBackend", "SSTPTunnel", "SSTPCall", "SSTPPlatform", "PPP", "SSTPTLS"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sstp",
            dependencies: [
                "SSTPTunnel", "PPPDBackend", "SSTPStream", "SSTPPlatform", "SSTPTLS", "SSTPSession", "PPP",
                "SSTPOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "SSTPBuildInfo", "SSTPLog",
            ],
            swiftSettings: strict,
            linkerSettings: executableLinking
        ),
        // Every client option declared once (OptionTable.swift): the CLI,
        // the config file, vpn.data, the D-Bus API and the man pages read it.
        .target(name: "SSTPOptions", dependencies: ["SSTPTunnel", "SSTPTLS", "PPP"], swiftSettings: strict),
        // Writes the man pages and shell completions (`make docs`); not installed.
        .executableTarget(
            name: "sstp-docgen",
            dependencies: ["SSTPOptions"],
            swiftSettings: strict
        ),
        .target(
            name: "SSTPService",
            dependencies: ["SSTPDBus", "SSTPTunnel", "PPPDBackend", "SSTPPlatform", "SSTPTLS", "PPP", "SSTPOptions"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sstp-service",
            dependencies: [
                "SSTPService", "SSTPDBus", "SSTPPlatform", "SSTPTunnel", "SSTPStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "SSTPBuildInfo", "SSTPLog",
            ],
            swiftSettings: strict,
            linkerSettings: executableLinking
        ),
        .executableTarget(
            name: "sstp-test-server",
            dependencies: [
                "SSTPTestServerKit", "SSTPPlatform", "PPP", "SSTPCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            linkerSettings: executableLinking
        ),
        .target(name: "PPP", dependencies: ["ByteCoding", "SSTPCrypto"], swiftSettings: strict),
        // RADIUS codec (RFC 2865, RFC 3579 EAP relay, RFC 2548 MPPE keys) for
        // the test server's EAP relay (pure).
        .target(name: "RADIUS", dependencies: ["ByteCoding", "SSTPCrypto"], swiftSettings: strict),
        .testTarget(
            name: "RADIUSTests", dependencies: ["RADIUS", "ByteCoding", "VectorScripts"], swiftSettings: strict),
        // The bodies of the libFuzzer targets, shared with the regression
        // tests that replay the corpus and every crash input (Fuzz/).
        .target(
            name: "SSTPFuzzBodies",
            dependencies: ["SSTPWire", "SSTPHTTP", "PPP", "PPPDBridge", "SSTPOptions", "RADIUS"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PPPTests",
            dependencies: ["PPP", "ByteCoding", "SSTPCrypto", "SSTPFuzzBodies", "VectorScripts"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSTPFuzzRegressionTests",
            dependencies: ["SSTPFuzzBodies"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSTPOptionsTests",
            dependencies: ["SSTPOptions", "SSTPPlatform", "SSTPTunnel", "SSTPService", "SSTPDBus"],
            swiftSettings: strict
        ),
        .testTarget(name: "SSTPLogTests", dependencies: ["SSTPLog"], swiftSettings: strict),
        .testTarget(name: "PPPDBridgeTests", dependencies: ["PPPDBridge"], swiftSettings: strict),
        // Drives the C plugin built by `make -C nm-plugin/pppd` (part of
        // `make build`) in the fake-pppd harness and in /usr/sbin/pppd.
        .testTarget(name: "PPPDPluginTests", dependencies: ["PPPDBridge"], swiftSettings: strict),
        .testTarget(name: "SSTPDBusTests", dependencies: ["SSTPDBus", "SSTPPlatform"], swiftSettings: strict),
        .testTarget(
            name: "SSTPServiceTests", dependencies: ["SSTPService", "SSTPTunnel", "SSTPTLS", "SSTPPlatform", "PPP"],
            swiftSettings: strict),
        .testTarget(name: "SSTPDataPlaneTests", dependencies: ["SSTPDataPlane"], swiftSettings: strict),
        .testTarget(name: "SSTPPlatformTests", dependencies: ["SSTPPlatform"], swiftSettings: strict),
        .testTarget(name: "SSTPHTTPTests", dependencies: ["SSTPHTTP", "ByteCoding"], swiftSettings: strict),
        .testTarget(
            name: "SSTPSessionTests",
            dependencies: ["SSTPSession", "SSTPWire", "SSTPCrypto"],
            swiftSettings: strict
        ),
        // Runs the independent vector scripts of Tests/vectors for the test targets.
        .target(name: "VectorScripts", path: "Tests/VectorScripts", swiftSettings: strict),
        .testTarget(
            name: "SSTPCallTests",
            dependencies: ["SSTPCall", "SSTPSession", "PPP", "SSTPWire", "SSTPCrypto"],
            swiftSettings: strict
        ),
        .testTarget(name: "SSTPWireTests", dependencies: ["SSTPWire", "ByteCoding"], swiftSettings: strict),
        // The exit-status policy and the failure messages (issue 16).
        .testTarget(
            name: "SSTPTunnelTests",
            dependencies: [
                "SSTPTunnel", "SSTPTestServerKit", "SSTPStream", "SSTPCall", "PPP", "SSTPSession", "SSTPTLS",
                "SSTPPlatform", "RADIUS", "SSTPHTTP",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSTPCryptoTests",
            dependencies: ["SSTPCrypto", "SSTPWire", "VectorScripts"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSTPTLSTests",
            // CSSTPOpenSSL: a raw TLS 1.0 server to test against.
            dependencies: ["SSTPTLS", "CSSTPOpenSSL", "SSTPPlatform", "PPP"],
            swiftSettings: strict
        ),
    ]
)
