import Glibc
import Testing

@testable import SSTPPlatform

struct RouteClaimFileTests {
    static let host = RouteClaim(destination: [10, 99, 0, 1], prefixLength: 32, gateway: nil, interface: 5)
    static let viaGateway = RouteClaim(
        destination: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1], prefixLength: 128,
        gateway: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1], interface: 2)

    @Test func roundTrips() throws {
        let file = RouteClaimFile(
            pid: 1234, startTime: 987_654, namespace: 4_026_532_570, routes: [Self.host, Self.viaGateway])
        #expect(file.text.hasPrefix("pid 1234\nstart 987654\nnetns 4026532570\nroute 0a630001 32 - 5\n"))
        #expect(try RouteClaimFile(parsing: file.text) == file)
    }

    @Test func rejectsMalformedLines() {
        let head = "pid 1\nstart 2\nnetns 3\n"
        let bad = [
            "route 0a6300 32 - 5",  // three address bytes
            "route 0a630001 33 - 5",  // prefix longer than the address
            "route 0a630001 32 0a63 5",  // gateway of another length
            "route 0a630001 32 - -1",  // negative interface
            "route zz630001 32 - 5",  // not hex
            "route 0a630001 32 -",  // a field missing
            "owner root",  // unknown key
        ]
        for line in bad {
            #expect(throws: RouteClaimFile.ParseError.malformedLine(4), "\(line)") {
                try RouteClaimFile(parsing: head + line + "\n")
            }
        }
        #expect(throws: RouteClaimFile.ParseError.malformedLine(1)) { try RouteClaimFile(parsing: "pid 0\n") }
        #expect(throws: RouteClaimFile.ParseError.missing("netns")) { try RouteClaimFile(parsing: "pid 1\nstart 2\n") }
        #expect(throws: RouteClaimFile.ParseError.missing("pid")) { try RouteClaimFile(parsing: "") }
    }
}

struct RouteClaimsTests {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/sstp-claims-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        #expect(made != nil)
        return made ?? "/nonexistent"
    }

    static func remove(_ directory: String) {
        for name in RouteClaims.listDirectory(directory) ?? [] { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }

    @Test func writesBeforeAndRemovesAfter() throws {
        let parent = Self.temporaryDirectory()
        let directory = parent + "/routes"
        defer {
            Self.remove(directory)
            rmdir(parent)
        }
        let claims = try RouteClaims(directory: directory)
        try claims.add(RouteClaimFileTests.host)
        let text = try #require(RouteClaims.readSmallFile(claims.path))
        let file = try RouteClaimFile(parsing: text)
        #expect(file.pid == getpid())
        #expect(file.routes == [RouteClaimFileTests.host])
        claims.remove(RouteClaimFileTests.host)
        #expect(RouteClaims.readSmallFile(claims.path) == nil)
        #expect(RouteClaims.listDirectory(directory) == [])
    }

    static func save(_ file: RouteClaimFile, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        _ = Array(file.text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    @Test func dropsOnlyTheClaimsOfNamespacesKnownToBeGone() throws {
        let directory = Self.temporaryDirectory()
        defer { Self.remove(directory) }
        let me = try #require(ProcessIdentity.current())
        let dead = [me.namespace &+ 1, me.namespace &+ 2]
        for (index, namespace) in dead.enumerated() {
            let file = RouteClaimFile(
                pid: Int32.max, startTime: 1, namespace: namespace, routes: [RouteClaimFileTests.host])
            Self.save(file, to: "\(directory)/\(index)")
        }
        // Namespace 1 exists, namespace 2 does not.
        let scan = RouteClaims.stale(directory: directory) { [me.namespace, dead[0]] }
        #expect(scan.orphaned == ["\(directory)/1"])
        #expect(scan.stale.isEmpty)
        // When not every namespace can be read, none counts as gone.
        #expect(RouteClaims.stale(directory: directory) { nil }.orphaned.isEmpty)
        // The scan of this system finds this process's own namespace, or
        // cannot read them all.
        if let existing = RouteClaims.existingNamespaces() { #expect(existing.contains(me.namespace)) }
    }

    @Test func findsTheClaimsOfOwnersThatNoLongerRun() throws {
        let directory = Self.temporaryDirectory()
        defer { Self.remove(directory) }
        let me = try #require(ProcessIdentity.current())
        let other = RouteClaim(destination: [192, 0, 2, 7], prefixLength: 32, gateway: [192, 0, 2, 1], interface: 3)
        let files: [(String, RouteClaimFile)] = [
            // Running (this process): its route is live.
            ("live", RouteClaimFile(pid: me.pid, startTime: me.startTime, namespace: me.namespace, routes: [other])),
            // This PID but another start time: a reused PID, so stale.
            (
                "reused",
                RouteClaimFile(
                    pid: me.pid, startTime: me.startTime + 1, namespace: me.namespace,
                    routes: [RouteClaimFileTests.host])
            ),
            // No such process, a namespace that no longer exists: orphaned.
            ("gone", RouteClaimFile(pid: Int32.max, startTime: 1, namespace: UInt64.max, routes: [other])),
        ]
        for (name, file) in files { Self.save(file, to: "\(directory)/\(name)") }
        let junk = open("\(directory)/junk", O_WRONLY | O_CREAT, 0o644)
        _ = Array("pid x\n".utf8).withUnsafeBytes { Glibc.write(junk, $0.baseAddress, $0.count) }
        close(junk)

        let found = RouteClaims.stale(directory: directory) { [me.namespace] }
        #expect(found.stale.map(\.path) == ["\(directory)/reused"])
        #expect(found.stale.first?.file.routes == [RouteClaimFileTests.host])
        #expect(found.live == [other])
        #expect(found.orphaned == ["\(directory)/gone"])
        #expect(found.malformed.count == 1)
        #expect(found.malformed.first?.hasPrefix("\(directory)/junk") == true)
    }
}
