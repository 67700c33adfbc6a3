/// The message types of protocol version 1 (nm-plugin/pppd/PROTOCOL.md).
/// The high bit gives the direction: clear from the plugin, set from the
/// service.
public enum BridgeMessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 0x01
    case passwordRequest = 0x02
    case phase = 0x03
    case authUp = 0x04
    case ipUp = 0x05
    case ipv6Up = 0x06
    case exit = 0x07
    case password = 0x81
    case passwordRefused = 0x82
    case authAck = 0x83
    case failure = 0x84

    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .passwordRequest: "PASSWORD_REQUEST"
        case .phase: "PHASE"
        case .authUp: "AUTH_UP"
        case .ipUp: "IP_UP"
        case .ipv6Up: "IPV6_UP"
        case .exit: "EXIT"
        case .password: "PASSWORD"
        case .passwordRefused: "PASSWORD_REFUSED"
        case .authAck: "AUTH_ACK"
        case .failure: "FAILURE"
        }
    }
}

/// The attribute tags of protocol version 1.
public enum BridgeAttribute: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case pppdVersion = 0x0001
    case pid = 0x0002
    case protocolVersion = 0x0003
    case option = 0x0004
    case user = 0x0005
    case phase = 0x0006
    case mppeSendKey = 0x0007
    case mppeReceiveKey = 0x0008
    case interface = 0x0009
    case localIPv4 = 0x000A
    case peerIPv4 = 0x000B
    case dnsIPv4 = 0x000C
    case mtu = 0x000D
    case localInterfaceIdentifier = 0x000E
    case peerInterfaceIdentifier = 0x000F
    case exitStatus = 0x0010
    case password = 0x0011
    case reason = 0x0012

    public var description: String {
        switch self {
        case .pppdVersion: "PPPD_VERSION"
        case .pid: "PID"
        case .protocolVersion: "PROTOCOL_VERSION"
        case .option: "OPTION"
        case .user: "USER"
        case .phase: "PHASE"
        case .mppeSendKey: "MPPE_SEND_KEY"
        case .mppeReceiveKey: "MPPE_RECV_KEY"
        case .interface: "INTERFACE"
        case .localIPv4: "LOCAL_IPV4"
        case .peerIPv4: "PEER_IPV4"
        case .dnsIPv4: "DNS_IPV4"
        case .mtu: "MTU"
        case .localInterfaceIdentifier: "LOCAL_INTERFACE_ID"
        case .peerInterfaceIdentifier: "PEER_INTERFACE_ID"
        case .exitStatus: "EXIT_STATUS"
        case .password: "PASSWORD"
        case .reason: "REASON"
        }
    }

    /// What the value holds, and so which lengths and contents are allowed.
    var kind: BridgeValueKind {
        switch self {
        case .protocolVersion: .u8
        case .pid, .phase, .mtu, .exitStatus: .u32
        case .pppdVersion, .option, .user, .interface, .password, .reason: .string
        case .mppeSendKey, .mppeReceiveKey: .key
        case .localIPv4, .peerIPv4, .dnsIPv4: .ipv4
        case .localInterfaceIdentifier, .peerInterfaceIdentifier: .interfaceIdentifier
        }
    }
}

/// The kinds of attribute value (PROTOCOL.md, "Value kinds").
enum BridgeValueKind {
    case u8, u32, string, ipv4, interfaceIdentifier, key
}

/// How often an attribute may appear in one message type.
enum BridgeMultiplicity {
    case required, optional, repeated
}

extension BridgeMessageType {
    /// The attributes this type lists, in encoding order. Any other tag in a
    /// message of this type is skipped.
    var schema: [(BridgeAttribute, BridgeMultiplicity)] {
        switch self {
        case .hello:
            [(.pppdVersion, .required), (.pid, .required), (.protocolVersion, .required), (.option, .repeated)]
        case .passwordRequest: [(.user, .required)]
        case .phase: [(.phase, .required)]
        case .authUp: [(.mppeSendKey, .optional), (.mppeReceiveKey, .optional)]
        case .ipUp:
            [
                (.interface, .required), (.localIPv4, .required), (.peerIPv4, .optional), (.dnsIPv4, .repeated),
                (.mtu, .required),
            ]
        case .ipv6Up:
            [(.interface, .required), (.localInterfaceIdentifier, .required), (.peerInterfaceIdentifier, .optional)]
        case .exit: [(.exitStatus, .required)]
        case .password: [(.password, .required)]
        case .passwordRefused, .failure: [(.reason, .required)]
        case .authAck: []
        }
    }
}
