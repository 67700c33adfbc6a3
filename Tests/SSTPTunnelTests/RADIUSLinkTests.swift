import Glibc
import PPP
import RADIUS
import SSTPPlatform
import Testing

@testable import SSTPTestServerKit

/// The test server's RADIUS client on a real loop and loopback UDP: the
/// retransmissions (RFC 2865 §2.5), the typed failures, and an
/// Access-Accept whose MS-MPPE keys (RFC 2548) come back decrypted.
@Suite struct RADIUSLinkTests {
    static let secret = Array("link test secret".utf8)
    static let identity: [UInt8] = [2, 5, 0, 10, 1] + Array("alice".utf8)

    /// A UDP socket on 127.0.0.1 and its port, standing in for the server.
    static func boundSocket() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static func settings(port: UInt16) -> RADIUSSettings {
        RADIUSSettings(
            server: SocketAddress(address: [127, 0, 0, 1], port: port), secret: secret,
            retransmitInterval: .milliseconds(50), attempts: 2)
    }

    /// Runs the loop until `done` or two seconds have passed.
    static func spin(_ loop: EventLoop, until done: () -> Bool) throws {
        let end = loop.now + .seconds(2)
        while !done(), loop.now < end { try loop.runOnce(maximumWait: .milliseconds(10)) }
    }

    /// Every datagram waiting on `fd`, with the sender's address.
    static func drain(_ fd: Int32) -> [([UInt8], sockaddr_in)] {
        var out: [([UInt8], sockaddr_in)] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, &buffer, buffer.count, 0, $0, &length)
                }
            }
            guard n > 0 else { return out }
            out.append((Array(buffer[0..<n]), from))
        }
    }

    @Test func silenceIsNoAnswerAfterTheAttemptsWithTheSameRequestResent() throws {
        let loop = try EventLoop()
        let (fd, port) = try Self.boundSocket()
        defer { close(fd) }
        let message = try Self.unreachableMessage(port: port, loop: loop)
        #expect(message?.contains("did not answer 2 Access-Requests") == true, "\(String(describing: message))")
        #expect(message?.contains("--radius-secret-file") == true)
        let sent = Self.drain(fd).map(\.0)
        #expect(sent.count == 2)
        // RFC 2865 §2.5: a retransmission keeps Identifier and Authenticator.
        #expect(Set(sent).count == 1)
        #expect(
            try RADIUSAuthentication.verifyRequest(sent[0][...], secret: Self.secret).code == RADIUSCode.accessRequest)
    }

    @Test func nothingListeningIsRefusedAtOnce() throws {
        let loop = try EventLoop()
        let (fd, port) = try Self.boundSocket()
        close(fd)
        let message = try Self.unreachableMessage(port: port, loop: loop)
        #expect(message?.contains("nothing listens there") == true, "\(String(describing: message))")
    }

    /// Forwards the Identity to a RADIUS server at `port` and waits for the
    /// first answer: its message when it is `.unreachable`, else nil.
    static func unreachableMessage(port: UInt16, loop: EventLoop) throws -> String? {
        var answers: [EAPBackendAnswer] = []
        let link = RADIUSLink(settings: settings(port: port), loop: loop, log: { _ in }) { answers.append($0) }
        defer { link.close() }
        link.forward(identity)
        try spin(loop) { !answers.isEmpty }
        guard case .unreachable(let message)? = answers.first else { return nil }
        return message
    }

    @Test func acceptCarriesTheSuccessAndTheDecryptedKeys() throws {
        let loop = try EventLoop()
        let (fd, port) = try Self.boundSocket()
        defer { close(fd) }
        var answers: [EAPBackendAnswer] = []
        let link = RADIUSLink(settings: Self.settings(port: port), loop: loop, log: { _ in }) { answers.append($0) }
        defer { link.close() }
        link.forward(Self.identity)
        var received: [([UInt8], sockaddr_in)] = []
        try Self.spin(loop) {
            received += Self.drain(fd)
            return !received.isEmpty
        }
        let (request, from) = try #require(received.first)
        let parsed = try RADIUSAuthentication.verifyRequest(request[...], secret: Self.secret)
        #expect(try RADIUSEAP.eapPacket(of: parsed) == Self.identity)
        let recvKey = [UInt8](repeating: 0x11, count: 32)
        let sendKey = [UInt8](repeating: 0x22, count: 32)
        let success: [UInt8] = [3, 5, 0, 4]
        let accept = RADIUSPacket(
            code: RADIUSCode.accessAccept, identifier: parsed.identifier, authenticator: parsed.authenticator,
            attributes: [
                RADIUSAttribute(type: RADIUSAttributeType.eapMessage, value: success),
                RADIUSMPPEKey.vendorAttribute(
                    type: RADIUSMPPEKey.recvKeyType,
                    data: try RADIUSMPPEKey.encrypt(
                        recvKey, salt: [0x80, 1], secret: Self.secret, requestAuthenticator: parsed.authenticator)),
                RADIUSMPPEKey.vendorAttribute(
                    type: RADIUSMPPEKey.sendKeyType,
                    data: try RADIUSMPPEKey.encrypt(
                        sendKey, salt: [0x80, 2], secret: Self.secret, requestAuthenticator: parsed.authenticator)),
            ])
        let wire = try RADIUSAuthentication.signResponse(
            accept, requestAuthenticator: parsed.authenticator, secret: Self.secret)
        var to = from
        let sent = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, wire, wire.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(sent == wire.count)
        try Self.spin(loop) { !answers.isEmpty }
        #expect(answers == [.accept(eap: success, recvKey: recvKey, sendKey: sendKey)])
    }
}
