/// SSTP_MSG_CALL_ABORT (MS-SSTP 2.2.13): abnormal end of the call, zero or
/// one Status Info attribute (SHOULD have one). 8 or 20+ bytes.
public struct CallAbort: SSTPControlMessageFormat {
    public static let messageType = SSTPMessageType.callAbort

    public var statusInfo: StatusInfoAttribute?

    public init(statusInfo: StatusInfoAttribute? = nil) {
        self.statusInfo = statusInfo
    }

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
