/// What a received EAP-TLS packet means to the framing layer.
public enum EAPTLSFramingEvent: Hashable, Sendable {
    /// S set (RFC 5216 §3.1): the server starts the method. Carries the
    /// flags, whose low bits hold PEAP's version (MS-PEAP 2.2.2).
    case start(EAPTLSFlags)
    /// A fragment with M set arrived; answer with this empty packet, the
    /// fragment ACK of RFC 5216 §2.1.5 (Type onward).
    case acknowledge([UInt8])
    /// The other side acknowledged our fragment; send this next one.
    case sendNext([UInt8])
    /// A whole TLS message (all its fragments joined). Empty when the other
    /// side sent an EAP-TLS packet with no data and nothing of ours was
    /// waiting for an ACK: the peer's answer to the server's last flight
    /// (RFC 5216 §2.1.1) or the server's request after our last one.
    case message([UInt8])
}

/// EAP-TLS fragmentation and reassembly (RFC 5216 §2.1.5, §3.1), for either
/// end and any method that reuses the framing (PEAP, type 25). A value: the
/// caller feeds received packets and sends what comes back.
///
/// The rules it applies:
/// - Outgoing: a message that fits one packet goes without L ("MUST NOT set
///   the L bit in unfragmented messages", RFC 5216 §2.1.5); otherwise the
///   first fragment carries L and the total length, every fragment but the
///   last carries M, and each next fragment waits for the other side's
///   empty ACK (RFC 5216 §2.1.5).
/// - Incoming: L is accepted on an unfragmented message ("MUST accept
///   unfragmented messages with and without the L bit set", §2.1.5), and a
///   repeated L on a later fragment is accepted when it repeats the same
///   length; a first fragment without L is reassembled too, bounded by the
///   limits. Strict on what cannot be repaired: a length that changes, data
///   beyond or short of the announced length, M with no data, a message
///   over the limits, and data where only an ACK may come.
public struct EAPTLSFraming: Hashable, Sendable {
    public let type: UInt8
    /// The most TLS bytes one packet carries.
    public let fragmentSize: Int
    public let limits: EAPTLSLimits
    /// Put in the low Flags bits of everything we send (PEAP's version;
    /// zero for EAP-TLS, whose reserved bits are sent as zero).
    public var version: UInt8

    /// Our message still to send, after the fragment last sent.
    private var outgoing: [UInt8] = []
    /// The message being reassembled.
    private var incoming: [UInt8] = []
    private var incomingDeclared: Int?
    private var incomingFragments = 0
    private var reassembling = false

    public init(type: UInt8, fragmentSize: Int = 1000, limits: EAPTLSLimits = .default, version: UInt8 = 0) {
        self.type = type
        self.fragmentSize = max(1, fragmentSize)
        self.limits = limits
        self.version = version & 0x03
    }

    /// True while fragments of our message still wait for ACKs.
    public var isSending: Bool { !outgoing.isEmpty }

    /// True while an incoming message is only partly received.
    public var isReceiving: Bool { reassembling }

    /// The first (or only) packet of a whole outgoing TLS message, Type
    /// onward; the rest follows one per `.sendNext`. An empty message is
    /// the empty EAP-TLS packet (RFC 5216 §2.1.1's final Response).
    public mutating func send(_ message: [UInt8]) -> [UInt8] {
        guard message.count > fragmentSize else {
            outgoing = []
            return EAPTLSPacket(type: type, flags: .version(version), data: message).typeAndData
        }
        outgoing = Array(message.dropFirst(fragmentSize))
        // RFC 5216 §3.1: L MUST be set on the first fragment; M on all but the last.
        return EAPTLSPacket(
            type: type, flags: EAPTLSFlags.version(version).union(.moreFragments),
            messageLength: UInt32(truncatingIfNeeded: message.count), data: Array(message.prefix(fragmentSize))
        ).typeAndData
    }

    /// The EAP-TLS Start request (RFC 5216 §3.1: S set, no data), for the
    /// authenticator side.
    public func startPacket() -> [UInt8] {
        EAPTLSPacket(type: type, flags: EAPTLSFlags.version(version).union(.start)).typeAndData
    }

    /// Handles the Data field (Type onward) of a received Request or Response.
    public mutating func receive(_ typeAndData: ArraySlice<UInt8>) throws(EAPTLSError) -> EAPTLSFramingEvent {
        let packet = try EAPTLSPacket(parsing: typeAndData, expectedType: type)
        if packet.flags.contains(.start) {
            // RFC 5216 §3.1: Start opens the method; anything half done is dropped.
            outgoing = []
            incoming = []
            reassembling = false
            incomingFragments = 0
            incomingDeclared = nil
            return .start(packet.flags)
        }
        if !outgoing.isEmpty {
            // RFC 5216 §2.1.5: the receiver of a fragment answers with an
            // empty packet; the sender waits for it before the next one.
            guard packet.data.isEmpty, !packet.flags.contains(.moreFragments) else {
                throw .dataWhileAwaitingAcknowledgement
            }
            let chunk = Array(outgoing.prefix(fragmentSize))
            outgoing = Array(outgoing.dropFirst(fragmentSize))
            var flags = EAPTLSFlags.version(version)
            if !outgoing.isEmpty { flags.insert(.moreFragments) }
            return .sendNext(EAPTLSPacket(type: type, flags: flags, data: chunk).typeAndData)
        }
        return try reassemble(packet)
    }

    private mutating func reassemble(_ packet: EAPTLSPacket) throws(EAPTLSError) -> EAPTLSFramingEvent {
        let more = packet.flags.contains(.moreFragments)
        if more && packet.data.isEmpty {
            // An M fragment without data would be ACKed forever.
            throw .moreFragmentsWithoutData
        }
        if let length = packet.messageLength {
            let declared = Int(length)
            guard declared <= limits.maxMessageLength else {
                throw .messageTooLong(declared: declared, limit: limits.maxMessageLength)
            }
            if reassembling, let first = incomingDeclared, first != declared {
                throw .messageLengthChanged(first: first, now: declared)
            }
            if more && declared == 0 { throw .zeroLengthFragmentedMessage }
            if !reassembling || incomingDeclared == nil { incomingDeclared = declared }
        }
        if !reassembling {
            incoming = []
            incomingFragments = 0
            if packet.messageLength == nil { incomingDeclared = nil }
        }
        incomingFragments += 1
        guard incomingFragments <= limits.maxFragments else {
            reset()
            throw .tooManyFragments(limit: limits.maxFragments)
        }
        let received = incoming.count + packet.data.count
        if let declared = incomingDeclared, received > declared {
            reset()
            throw .fragmentsExceedMessageLength(declared: declared, received: received)
        }
        guard received <= limits.maxMessageLength else {
            reset()
            throw .messageTooLong(declared: received, limit: limits.maxMessageLength)
        }
        incoming += packet.data
        if more {
            reassembling = true
            return .acknowledge(EAPTLSPacket(type: type, flags: .version(version)).typeAndData)
        }
        let message = incoming
        let declared = incomingDeclared
        reset()
        if let declared, message.count != declared {
            throw .fragmentsShortOfMessageLength(declared: declared, received: message.count)
        }
        return .message(message)
    }

    private mutating func reset() {
        incoming = []
        incomingDeclared = nil
        incomingFragments = 0
        reassembling = false
    }
}
