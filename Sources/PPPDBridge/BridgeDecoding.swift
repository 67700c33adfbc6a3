import ByteCoding

extension BridgeMessage {
    /// Decodes the body of a message whose header was already checked.
    static func decode(type: BridgeMessageType, body: ArraySlice<UInt8>) throws(BridgeError) -> BridgeMessage {
        let values = try BridgeAttributeValues(type: type, body: body)
        switch type {
        case .hello:
            return .hello(
                pppdVersion: try values.string(.pppdVersion), pid: try values.uint32(.pid),
                protocolVersion: try values.uint8(.protocolVersion), options: try values.strings(.option))
        case .passwordRequest:
            return .passwordRequest(user: try values.string(.user))
        case .phase:
            return .phase(try values.uint32(.phase))
        case .authUp:
            return .authUp(
                sendKey: values.optionalBytes(.mppeSendKey), receiveKey: values.optionalBytes(.mppeReceiveKey))
        case .ipUp:
            return .ipUp(
                interface: try values.string(.interface), local: try values.bytes(.localIPv4),
                peer: values.optionalBytes(.peerIPv4), dns: values.allBytes(.dnsIPv4), mtu: try values.uint32(.mtu))
        case .ipv6Up:
            return .ipv6Up(
                interface: try values.string(.interface),
                localIdentifier: try values.bytes(.localInterfaceIdentifier),
                peerIdentifier: values.optionalBytes(.peerInterfaceIdentifier))
        case .exit:
            return .exit(status: try values.uint32(.exitStatus))
        case .password:
            return .password(try values.string(.password))
        case .passwordRefused:
            return .passwordRefused(reason: try values.string(.reason))
        case .authAck:
            return .authAck
        case .failure:
            return .failure(try values.string(.reason))
        }
    }
}

/// The listed attributes of one message body, each value already checked
/// against its kind; unlisted tags were skipped.
struct BridgeAttributeValues {
    let type: BridgeMessageType
    private var values: [BridgeAttribute: [[UInt8]]] = [:]

    init(type: BridgeMessageType, body: ArraySlice<UInt8>) throws(BridgeError) {
        self.type = type
        let schema = type.schema
        var reader = ByteReader(body)
        while !reader.isAtEnd {
            let offset = body.count - reader.remaining
            guard let tag = reader.readUInt16(), let length = reader.readUInt16(),
                let value = reader.readBytes(Int(length))
            else { throw .truncatedAttribute(type, offset: offset) }
            guard let attribute = BridgeAttribute(rawValue: tag),
                let multiplicity = schema.first(where: { $0.0 == attribute })?.1
            else { continue }
            try Self.check(value, of: attribute)
            if multiplicity != .repeated, values[attribute] != nil {
                throw .duplicateAttribute(type, attribute)
            }
            values[attribute, default: []].append(Array(value))
        }
        for (attribute, multiplicity) in schema where multiplicity == .required && values[attribute] == nil {
            throw .missingAttribute(type, attribute)
        }
    }

    /// The rules of PROTOCOL.md's "Value kinds".
    private static func check(_ value: ArraySlice<UInt8>, of attribute: BridgeAttribute) throws(BridgeError) {
        let lengthOK: Bool
        switch attribute.kind {
        case .u8: lengthOK = value.count == 1
        case .u32: lengthOK = value.count == 4
        case .ipv4: lengthOK = value.count == 4
        case .interfaceIdentifier: lengthOK = value.count == 8
        case .key: lengthOK = value.count == 16 || value.count == 32
        case .string: lengthOK = true
        }
        guard lengthOK else { throw .badAttributeLength(attribute, length: value.count) }
        switch attribute.kind {
        case .string:
            guard String(validating: value, as: UTF8.self) != nil else { throw .invalidUTF8(attribute) }
            guard !value.contains(0) else { throw .nulInString(attribute) }
        case .ipv4, .interfaceIdentifier:
            guard value.contains(where: { $0 != 0 }) else { throw .zeroAddress(attribute) }
        case .u8, .u32, .key:
            break
        }
    }

    /// A required attribute's value (present: the initializer checked).
    func bytes(_ attribute: BridgeAttribute) throws(BridgeError) -> [UInt8] {
        guard let value = values[attribute]?.first else { throw .missingAttribute(type, attribute) }
        return value
    }

    func optionalBytes(_ attribute: BridgeAttribute) -> [UInt8]? {
        values[attribute]?.first
    }

    func allBytes(_ attribute: BridgeAttribute) -> [[UInt8]] {
        values[attribute] ?? []
    }

    func string(_ attribute: BridgeAttribute) throws(BridgeError) -> String {
        Self.text(try bytes(attribute))
    }

    func strings(_ attribute: BridgeAttribute) throws(BridgeError) -> [String] {
        allBytes(attribute).map(Self.text)
    }

    func uint8(_ attribute: BridgeAttribute) throws(BridgeError) -> UInt8 {
        let value = try bytes(attribute)
        guard let byte = value.first else { throw .badAttributeLength(attribute, length: value.count) }
        return byte
    }

    func uint32(_ attribute: BridgeAttribute) throws(BridgeError) -> UInt32 {
        var reader = ByteReader(try bytes(attribute))
        guard let value = reader.readUInt32() else { throw .badAttributeLength(attribute, length: reader.remaining) }
        return value
    }

    /// Checked UTF-8, so decoding loses nothing.
    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
