/// Any `EAPTLSEngine` behind one concrete type, so the PPP engine can run
/// EAP-TLS and PEAP over an engine chosen at run time (OpenSSL in the
/// product, a scripted fake in tests).
public struct AnyEAPTLSEngine: EAPTLSEngine {
    private var base: any EAPTLSEngine

    public init(_ base: some EAPTLSEngine) {
        self.base = base
    }

    public mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8] {
        try base.startHandshake()
    }

    public mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        try base.receive(bytes)
    }

    public var isHandshakeComplete: Bool { base.isHandshakeComplete }
    public var negotiatedVersion: EAPTLSVersion? { base.negotiatedVersion }

    public mutating func takeApplicationData() -> [UInt8] {
        base.takeApplicationData()
    }

    public var receivedCloseNotify: Bool { base.receivedCloseNotify }

    public mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        try base.sendApplicationData(bytes)
    }

    public func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
    {
        try base.exportKeyingMaterial(label: label, context: context, length: length)
    }
}

/// Makes one fresh TLS engine per authentication (each EAP-TLS or PEAP run
/// is a new TLS handshake, RFC 5216 §2.1.1).
public struct EAPTLSEngineFactory: Sendable {
    private let make: @Sendable () throws(EAPTLSEngineFailure) -> AnyEAPTLSEngine

    public init(_ make: @escaping @Sendable () throws(EAPTLSEngineFailure) -> AnyEAPTLSEngine) {
        self.make = make
    }

    public func makeEngine() throws(EAPTLSEngineFailure) -> AnyEAPTLSEngine {
        try make()
    }
}
