import SSTPOptions

/// The config-file parser and the option table's checks (issue 16). The
/// first byte picks the front end: config file text, or "key=value" lines
/// read as vpn.data or D-Bus keys. Nothing may trap; whatever builds must
/// hold the table's ranges.
public func fuzzOptions(_ data: [UInt8]) {
    guard let first = data.first else { return }
    let body = Array(data.dropFirst())
    let files = OptionFiles(
        readSecret: { (path) throws(OptionError) in
            if path.contains("big") { throw OptionError("longer than 4096 bytes") }
            return "secret"
        },
        checkReadable: { (path) throws(OptionError) in
            if path.contains("missing") { throw OptionError("cannot read \(path)") }
        })
    var inputs: [OptionInput] = []
    switch first % 3 {
    case 0:
        guard let parsed = try? ConfigFileParser.parse(body, path: "fuzz.conf") else { return }
        inputs = parsed
    default:
        let frontEnd: OptionFrontEnd = first % 3 == 1 ? .vpnData : .dbus
        for line in body.split(separator: 0x0A) {
            let text = String(decoding: line, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            let key = String(text[..<equals])
            let value = String(text[text.index(after: equals)...])
            let spec = frontEnd == .vpnData ? OptionTable.byVPNDataKey(key) : OptionTable.byDBusKey(key)
            if let spec { inputs.append(OptionInput(spec: spec, text: value, from: frontEnd)) }
        }
    }
    guard var target = try? OptionTable.build(inputs, files: files) else { return }
    if target.host == nil { target.host = "vpn.example.com" }
    if target.user == nil { target.user = "alice" }
    guard let options = try? target.finish(keepalive: first & 0x80 == 0 ? .failureAtLeastOne : .bothRequired)
    else { return }
    precondition(options.sstpTimers.hello >= .seconds(1) && options.sstpTimers.hello <= .seconds(3600))
    precondition(options.mtu.map { (576...4087).contains($0) } ?? true)
    precondition((1...15).contains(options.interfaceName.utf8.count))
    precondition(options.ppp.userName.utf8.count <= UserNameLimit.bytes(accepting: options.ppp.acceptedMethods))
    precondition(options.port > 0)
    precondition(options.ppp.keepalive.interval <= .seconds(3600))
}
