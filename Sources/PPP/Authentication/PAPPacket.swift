import ByteCoding

/// PAP packets (RFC 1334 §2.2).
enum PAPCode {
    static let authenticateRequest: UInt8 = 1
    static let authenticateAck: UInt8 = 2
    static let authenticateNak: UInt8 = 3
}

/// RFC 1334 §2.2.1 Authenticate-Request: Peer-ID Length, Peer-ID,
/// Passwd-Length, Password.
struct PAPAuthenticateRequest: Hashable, Sendable {
    var peerID: [UInt8]
    var password: [UInt8]

    init(peerID: [UInt8], password: [UInt8]) {
        self.peerID = peerID
        self.password = password
    }

    init(parsing data: ArraySlice<UInt8>) throws(PPPWireError) {
        var reader = ByteReader(data)
        guard let idLength = reader.readUInt8(), let id = reader.readBytes(Int(idLength)) else {
            throw .truncatedField(protocolName: "PAP", field: "Peer-ID")
        }
        guard let passwordLength = reader.readUInt8(),
            let password = reader.readBytes(Int(passwordLength))
        else {
            throw .truncatedField(protocolName: "PAP", field: "Password")
        }
        peerID = Array(id)
        self.password = Array(password)
    }

    /// Each field holds at most 255 bytes (its length is one octet); longer
    /// input is cut.
    var data: [UInt8] {
        let id = peerID.prefix(255)
        let secret = password.prefix(255)
        return [UInt8(id.count)] + id + [UInt8(secret.count)] + secret
    }
}

/// RFC 1334 §2.2.2 Authenticate-Ack/Nak data: Msg-Length, Message.
enum PAPReply {
    static func data(message: String) -> [UInt8] {
        let text = Array(message.utf8.prefix(255))
        return [UInt8(text.count)] + text
    }

    /// The message; a missing or cut one reads as what is there.
    static func message(_ data: ArraySlice<UInt8>) -> String {
        guard let length = data.first else { return "" }
        return printable(data.dropFirst().prefix(Int(length)))
    }
}
