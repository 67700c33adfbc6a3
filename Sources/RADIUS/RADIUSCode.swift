/// RADIUS packet codes (RFC 2865 §3, §4; RFC 2866 §4; RFC 5997).
public enum RADIUSCode {
    public static let accessRequest: UInt8 = 1
    public static let accessAccept: UInt8 = 2
    public static let accessReject: UInt8 = 3
    public static let accountingRequest: UInt8 = 4
    public static let accountingResponse: UInt8 = 5
    public static let accessChallenge: UInt8 = 11
    public static let statusServer: UInt8 = 12
}

/// Attribute types this project uses (RFC 2865 §5, RFC 3579 §3, RFC 2869).
public enum RADIUSAttributeType {
    public static let userName: UInt8 = 1
    public static let userPassword: UInt8 = 2
    public static let nasIPAddress: UInt8 = 4
    public static let nasPort: UInt8 = 5
    public static let serviceType: UInt8 = 6
    public static let framedProtocol: UInt8 = 7
    public static let framedMTU: UInt8 = 12
    public static let replyMessage: UInt8 = 18
    public static let state: UInt8 = 24
    public static let `class`: UInt8 = 25
    public static let vendorSpecific: UInt8 = 26
    public static let sessionTimeout: UInt8 = 27
    public static let calledStationID: UInt8 = 30
    public static let callingStationID: UInt8 = 31
    public static let nasIdentifier: UInt8 = 32
    public static let nasPortType: UInt8 = 61
    public static let eapMessage: UInt8 = 79
    public static let messageAuthenticator: UInt8 = 80
}
