// swift-tools-version:6.0
//
// libFuzzer driver, built only by `make fuzz` with -sanitize=fuzzer,address.
// It is a package of its own so that the main package never builds with the
// fuzzer runtime. The target to run is chosen with SSTP_FUZZ_TARGET; the
// bodies live in the main package's SSTPFuzzBodies, where the regression
// tests replay the corpus and every crash input.
import PackageDescription

let package = Package(
    name: "sstp-fuzz",
    dependencies: [.package(name: "sstp", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "sstp-fuzz",
            dependencies: ["CFuzzDriver", .product(name: "SSTPFuzzBodies", package: "sstp")]
        ),
    ]
)
