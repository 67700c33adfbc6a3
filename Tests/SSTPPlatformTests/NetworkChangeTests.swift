import Glibc
@testable import SSTPPlatform
import XCTest

/// The decisions behind the network-change watchers of issue 14: when the
/// route to the server counts as changed, and when two clock readings mean
/// the machine slept.
final class NetworkChangeTests: XCTestCase {
    let viaA = RouteLookup(gateway: [192, 168, 1, 1], interfaceIndex: 2, preferredSource: [192, 168, 1, 20])

    func testSameRouteIsNoChange() {
        XCTAssertNil(ServerRouteChange.between(viaA, viaA))
        XCTAssertNil(ServerRouteChange.between(nil, nil))
        // A lookup without a preferred source matches any.
        var noSource = viaA
        noSource.preferredSource = nil
        XCTAssertNil(ServerRouteChange.between(viaA, noSource))
    }

    func testOtherInterfaceGatewayOrSourceIsAChange() {
        var ethernet = viaA
        ethernet.interfaceIndex = 3
        XCTAssertEqual(ServerRouteChange.between(viaA, ethernet), .moved(from: viaA, to: ethernet))
        var otherHop = viaA
        otherHop.gateway = [192, 168, 1, 254]
        XCTAssertEqual(ServerRouteChange.between(viaA, otherHop), .moved(from: viaA, to: otherHop))
        var onLink = viaA
        onLink.gateway = nil
        XCTAssertNotNil(ServerRouteChange.between(viaA, onLink))
        // Another Wi-Fi network: same interface, same gateway address, new address.
        var otherNetwork = viaA
        otherNetwork.preferredSource = [192, 168, 1, 77]
        XCTAssertNotNil(ServerRouteChange.between(viaA, otherNetwork))
    }

    func testLostAndAppeared() {
        XCTAssertEqual(ServerRouteChange.between(viaA, nil), .lost)
        XCTAssertEqual(ServerRouteChange.between(nil, viaA), .appeared(viaA))
        let onLink = RouteLookup(gateway: nil, interfaceIndex: 5, preferredSource: nil)
        XCTAssertEqual(
            ServerRouteChange.between(viaA, onLink)?.description,
            "the route to the server changed (via 192.168.1.1 interface 2 src 192.168.1.20 -> interface 5)")
    }

    func reading(_ boot: Int64, _ mono: Int64) -> SuspendDetector.Reading {
        .init(boottime: .milliseconds(boot), monotonic: .milliseconds(mono))
    }

    func testBoottimeRunningAheadMeansTheMachineSlept() {
        var detector = SuspendDetector(threshold: .seconds(2))
        XCTAssertNil(detector.observe(reading(10_000, 9_000)))
        // Both advance alike: awake.
        XCTAssertNil(detector.observe(reading(12_000, 11_000)))
        // A little skew between the two readings is not a sleep.
        XCTAssertNil(detector.observe(reading(14_500, 13_000)))
        // BOOTTIME 300 s ahead, MONOTONIC 2 s: slept 298 s.
        XCTAssertEqual(detector.observe(reading(314_500, 15_000)), .seconds(298))
        // Compared with the last reading, not the first.
        XCTAssertNil(detector.observe(reading(316_500, 17_000)))
    }

    func testWatcherTicksOnTheLoopWithoutFalseAlarms() throws {
        let loop = try EventLoop()
        var resumes: [Duration] = []
        let watcher = SuspendWatcher(loop: loop, interval: .milliseconds(20)) { resumes.append($0) }
        let end = loop.now + .milliseconds(200)
        while loop.now < end { try loop.runOnce(maximumWait: .milliseconds(50)) }
        XCTAssertEqual(resumes, [])
        watcher.stop()
    }

    func testClockReadingsAreConsistent() {
        let a = SuspendWatcher.reading()
        let b = SuspendWatcher.reading()
        XCTAssertGreaterThanOrEqual(a.boottime, a.monotonic - .milliseconds(1))
        var detector = SuspendDetector()
        _ = detector.observe(a)
        XCTAssertNil(detector.observe(b))
    }
}

/// RouteNetlink.matches: the prefix test of the dump lookup that re-derives
/// the server's host route outside the tunnel.
final class RoutePrefixMatchTests: XCTestCase {
    func testPrefixes() {
        XCTAssertTrue(RouteNetlink.matches([10, 99, 0, 1], network: [0, 0, 0, 0], prefixLength: 0))
        XCTAssertTrue(RouteNetlink.matches([10, 99, 0, 1], network: [10, 99, 0, 0], prefixLength: 24))
        XCTAssertFalse(RouteNetlink.matches([10, 99, 1, 1], network: [10, 99, 0, 0], prefixLength: 24))
        XCTAssertTrue(RouteNetlink.matches([10, 99, 0, 129], network: [10, 99, 0, 128], prefixLength: 25))
        XCTAssertFalse(RouteNetlink.matches([10, 99, 0, 127], network: [10, 99, 0, 128], prefixLength: 25))
        XCTAssertTrue(RouteNetlink.matches([128, 1, 2, 3], network: [128, 0, 0, 0], prefixLength: 1))
        XCTAssertFalse(RouteNetlink.matches([127, 1, 2, 3], network: [128, 0, 0, 0], prefixLength: 1))
        XCTAssertTrue(RouteNetlink.matches([10, 99, 0, 1], network: [10, 99, 0, 1], prefixLength: 32))
        // Malformed input from the kernel: no match, no trap.
        XCTAssertFalse(RouteNetlink.matches([10, 99, 0, 1], network: [10, 99], prefixLength: 16))
        XCTAssertFalse(RouteNetlink.matches([10, 99, 0, 1], network: [10, 99, 0, 1], prefixLength: 33))
        XCTAssertFalse(RouteNetlink.matches([10, 99, 0, 1], network: [10, 99, 0, 1], prefixLength: -1))
    }
}
