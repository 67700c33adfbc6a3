import Glibc
import Logging
import SSTPLog
import XCTest

final class JournalStreamTests: XCTestCase {
    func testParsesDeviceColonInode() {
        XCTAssertEqual(JournalStream("2049:123456"), JournalStream(device: 2049, inode: 123_456))
    }

    func testRejectsMalformedValues() {
        for text in ["", "2049", "2049:", ":5", "a:b", "1:2:3", "-1:5", "1:99999999999999999999999"] {
            XCTAssertNil(JournalStream(text), text)
        }
    }

    func testMatchesOnlyTheNamedStream() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let own = try XCTUnwrap(JournalStream.of(fd: fds[1]))
        XCTAssertTrue(JournalStream.isJournal(fd: fds[1], environment: "\(own.device):\(own.inode)"))
        XCTAssertFalse(JournalStream.isJournal(fd: fds[1], environment: "\(own.device):\(own.inode &+ 1)"))
        XCTAssertFalse(JournalStream.isJournal(fd: fds[1], environment: nil))
        XCTAssertFalse(JournalStream.isJournal(fd: fds[1], environment: "garbage"))
    }
}

final class StandardErrorLogHandlerTests: XCTestCase {
    func testJournalLinesCarryTheirPriority() {
        let handler = StandardErrorLogHandler(identifier: "sstp-service", journal: true)
        XCTAssertEqual(handler.format("boom", level: .error), "<3>boom\n")
        XCTAssertEqual(handler.format("careful", level: .warning), "<4>careful\n")
        XCTAssertEqual(handler.format("a\nb", level: .info), "<6>a\n<6>b\n")
        XCTAssertEqual(handler.format("x", level: .debug), "<7>x\n")
        XCTAssertEqual(handler.format("x", level: .critical), "<2>x\n")
    }

    func testPlainLinesCarryNoPriority() {
        XCTAssertEqual(StandardErrorLogHandler(identifier: nil, journal: false).format("boom", level: .error), "boom\n")
        let named = StandardErrorLogHandler(identifier: "sstp-service", journal: false).format("up", level: .info)
        XCTAssertEqual(named, "sstp-service[\(getpid())]: up\n")
    }

    func testLineLevelFromItsPrefix() {
        XCTAssertEqual(Log.level(of: "error: TLS failed"), .error)
        XCTAssertEqual(Log.level(of: "connection 2: error: refused"), .error)
        XCTAssertEqual(Log.level(of: "warning: weak cipher"), .warning)
        XCTAssertEqual(Log.level(of: "[tls] handshake done"), .info)
        XCTAssertEqual(Log.level(of: "errors are fine"), .info)
    }
}
