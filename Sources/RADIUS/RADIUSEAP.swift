/// EAP over RADIUS (RFC 3579): the EAP packet travels in EAP-Message
/// attributes of at most 253 octets, concatenated in order (§3.1); State
/// (RFC 2865 §5.24) ties the Access-Requests of one conversation together.
public enum RADIUSEAP {
    /// Splits an EAP packet into EAP-Message attributes (RFC 3579 §3.1).
    public static func eapMessageAttributes(_ eapPacket: [UInt8]) -> [RADIUSAttribute] {
        var out: [RADIUSAttribute] = []
        var rest = eapPacket[...]
        repeat {
            let chunk = rest.prefix(RADIUSAttribute.maxValueLength)
            out.append(RADIUSAttribute(type: RADIUSAttributeType.eapMessage, value: Array(chunk)))
            rest = rest.dropFirst(chunk.count)
        } while !rest.isEmpty
        return out
    }

    /// The EAP packet of a RADIUS packet: every EAP-Message joined; nil when
    /// there is none. The joined bytes must be one EAP packet whose Length
    /// is their count (RFC 3579 §3.1, RFC 3748 §4).
    public static func eapPacket(of packet: RADIUSPacket) throws(RADIUSError) -> [UInt8]? {
        let parts = packet.values(of: RADIUSAttributeType.eapMessage)
        guard !parts.isEmpty else { return nil }
        let joined = parts.flatMap { $0 }
        guard joined.count >= 4, Int(joined[2]) << 8 | Int(joined[3]) == joined.count else {
            throw .malformedEAPMessage
        }
        return joined
    }

    /// An Access-Request carrying one EAP Response (RFC 3579 §3.1, §2.1):
    /// User-Name, the EAP-Message attributes, State echoed from the last
    /// Access-Challenge, a NAS-Identifier, Framed-MTU, and the
    /// Message-Authenticator. Returns the wire bytes.
    public static func accessRequest(
        identifier: UInt8, authenticator: [UInt8], userName: String?, eapPacket: [UInt8], state: [UInt8]?,
        nasIdentifier: String, framedMTU: UInt32, secret: [UInt8]
    ) throws(RADIUSError) -> [UInt8] {
        var attributes: [RADIUSAttribute] = []
        if let userName { attributes.append(RADIUSAttribute(type: RADIUSAttributeType.userName, string: userName)) }
        attributes.append(RADIUSAttribute(type: RADIUSAttributeType.nasIdentifier, string: nasIdentifier))
        // RFC 3579 §2.4: Framed-MTU tells the server how large EAP packets may be.
        attributes.append(RADIUSAttribute(type: RADIUSAttributeType.framedMTU, uint32: framedMTU))
        attributes += eapMessageAttributes(eapPacket)
        if let state { attributes.append(RADIUSAttribute(type: RADIUSAttributeType.state, value: state)) }
        let packet = RADIUSPacket(
            code: RADIUSCode.accessRequest, identifier: identifier, authenticator: authenticator,
            attributes: attributes)
        return try RADIUSAuthentication.signRequest(packet, secret: secret)
    }

    /// What the RADIUS server answered, for the relaying authenticator.
    public enum Answer: Hashable, Sendable {
        /// Access-Challenge: relay the EAP Request; echo `state` next time.
        case challenge(eap: [UInt8], state: [UInt8]?)
        /// Access-Accept: the EAP Success and the MS-MPPE keys (decrypted).
        case accept(eap: [UInt8]?, recvKey: [UInt8]?, sendKey: [UInt8]?)
        /// Access-Reject: the EAP Failure and any Reply-Message.
        case reject(eap: [UInt8]?, replyMessage: String?)
    }

    /// Checks and interprets a response to the Access-Request whose
    /// Authenticator was `requestAuthenticator`.
    public static func interpret(_ bytes: ArraySlice<UInt8>, requestAuthenticator: [UInt8], secret: [UInt8])
        throws(RADIUSError) -> Answer
    {
        let packet = try RADIUSAuthentication.verifyResponse(
            bytes, requestAuthenticator: requestAuthenticator, secret: secret)
        let eap = try eapPacket(of: packet)
        switch packet.code {
        case RADIUSCode.accessChallenge:
            // RFC 3579 §2.6.3: an Access-Challenge carries an EAP-Message.
            guard let eap else { throw .malformedEAPMessage }
            return .challenge(eap: eap, state: packet.first(RADIUSAttributeType.state))
        case RADIUSCode.accessAccept:
            let keys = try RADIUSMPPEKey.masterSessionKey(
                from: packet, secret: secret, requestAuthenticator: requestAuthenticator)
            return .accept(eap: eap, recvKey: keys?.recvKey, sendKey: keys?.sendKey)
        default:
            let reply = packet.values(of: RADIUSAttributeType.replyMessage).map {
                String(decoding: $0, as: UTF8.self)
            }
            return .reject(eap: eap, replyMessage: reply.isEmpty ? nil : reply.joined(separator: " "))
        }
    }
}
