/// SSTP_MSG_CALL_DISCONNECT (MS-SSTP 2.2.14): normal end of the call, zero
/// or one Status Info attribute (Windows sends AttribID 0, NO_ERROR;
/// SoftEther sends none).
public struct CallDisconnect: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callDisconnect

    public var statusInfo: StatusInfoAttribute?

    public init(statusInfo: StatusInfoAttribute? = nil) {
        self.statusInfo = statusInfo
    }

    /// The form Windows sends: one Status Info, AttribID 0, NO_ERROR.
    public static let windowsStyle = CallDisconnect(
        statusInfo: StatusInfoAttribute(attribID: 0, status: .noError))

    public init(attributes: [SSTPRawAttribute], options: SSTPParseOptions) throws(SSTPWireError) {
        try checkAttributes(attributes, message: Self.messageType, allowed: [.statusInfo], count: 0...1)
        statusInfo = try attributes.first.map { (raw) throws(SSTPWireError) in
            try StatusInfoAttribute(raw: raw, options: options)
        }
    }

    public func appendAttributes(to bytes: inout [UInt8]) -> Int {
        guard let statusInfo else { return 0 }
        statusInfo.append(to: &bytes)
        return 1
    }
}
