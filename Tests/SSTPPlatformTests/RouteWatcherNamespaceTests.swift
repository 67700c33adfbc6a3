import Glibc
import SSTPPlatform
import XCTest

/// RouteWatcher against the kernel (issue 14), in a network namespace of
/// its own (named with our PID, deleted at the end): an unrelated route
/// leaves it quiet; replacing the default route that leads to the server
/// is reported as a change to the new gateway.
// setns(2) and CLONE_NEWNET need _GNU_SOURCE, which Glibc's module map
// does not define; the test declares the one call it makes.
@_silgen_name("setns") private func enterNamespace(_ fd: Int32, _ type: Int32) -> Int32
private let cloneNewNet: Int32 = 0x4000_0000

final class RouteWatcherNamespaceTests: XCTestCase {
    final class Outcome: @unchecked Sendable {
        var error: String?
        var before: RouteLookup?
        var quietChanges: [ServerRouteChange] = []
        var changes: [ServerRouteChange] = []
    }

    static let ip = (["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"] as [String]).first { access($0, X_OK) == 0 }

    func testReplacingTheDefaultRouteIsSeen() throws {
        guard geteuid() == 0, let ip = Self.ip else { throw XCTSkip("needs root and ip(8)") }
        let ns = "sstprw\(getpid())"
        func run(_ args: [String]) throws -> Int32 { try Command.run(ip, args).status }
        XCTAssertEqual(try run(["netns", "add", ns]), 0)
        defer { _ = try? run(["netns", "del", ns]) }
        for args in [
            ["link", "set", "lo", "up"], ["link", "add", "va", "type", "veth", "peer", "name", "vb"],
            ["link", "set", "va", "up"], ["link", "set", "vb", "up"], ["addr", "add", "10.77.0.2/24", "dev", "va"],
            ["route", "add", "default", "via", "10.77.0.1"],
        ] {
            XCTAssertEqual(try run(["-n", ns] + args), 0, "\(args)")
        }
        let outcome = Outcome()
        let thread = try OSThread.start {
            Self.watch(namespace: ns, ip: ip, outcome)
        }
        thread.join()
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.before?.gateway, [10, 77, 0, 1])
        XCTAssertEqual(outcome.quietChanges, [], "an unrelated route is no change")
        guard case .moved(let from, let to)? = outcome.changes.first else {
            return XCTFail("no change seen: \(outcome.changes)")
        }
        XCTAssertEqual(outcome.changes.count, 1, "one change for one replace: \(outcome.changes)")
        XCTAssertEqual(from.gateway, [10, 77, 0, 1])
        XCTAssertEqual(to.gateway, [10, 77, 0, 254])
    }

    /// On its own thread: joins the namespace (setns affects this thread
    /// only), watches the route to 198.51.100.7, and changes routes.
    static func watch(namespace: String, ip: String, _ outcome: Outcome) {
        let nsFD = Glibc.open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        guard nsFD >= 0, enterNamespace(nsFD, cloneNewNet) == 0 else {
            outcome.error = "cannot enter \(namespace): errno \(errno)"
            return
        }
        close(nsFD)
        do {
            let loop = try EventLoop()
            var seen: [ServerRouteChange] = []
            let watcher = try RouteWatcher(
                loop: loop, destination: [198, 51, 100, 7], settle: .milliseconds(100)
            ) { seen.append($0) }
            outcome.before = watcher.current
            func spin(_ d: Duration, until done: () -> Bool = { false }) throws {
                let end = loop.now + d
                while loop.now < end, !done() { try loop.runOnce(maximumWait: .milliseconds(50)) }
            }
            _ = try Command.run(ip, ["-n", namespace, "route", "add", "203.0.113.0/24", "via", "10.77.0.1"])
            try spin(.milliseconds(600))
            outcome.quietChanges = seen
            seen = []
            _ = try Command.run(ip, ["-n", namespace, "route", "replace", "default", "via", "10.77.0.254"])
            try spin(.seconds(5)) { !seen.isEmpty }
            // Anything else the replace caused would arrive by now.
            try spin(.milliseconds(400))
            outcome.changes = seen
            watcher.stop()
        } catch {
            outcome.error = "\(error)"
        }
    }
}
