/// Incremental, size-bounded parser of an HTTP/1.x head (RFC 9112 §2–5):
/// feed bytes in any split until it returns the head and how many of the
/// fed bytes it used; bytes after the head belong to the next layer (TLS
/// after a proxy's CONNECT, SSTP after the duplex POST).
///
/// Strict: lines end in CRLF; obsolete line folding, control characters and
/// bare CR or LF are refused; at most `maxHeadLength` bytes and
/// `maxHeaderCount` fields.
public struct HTTPHeadParser: Sendable {
    public let maxHeadLength: Int
    public let maxHeaderCount: Int
    private var buffer: [UInt8] = []

    public init(maxHeadLength: Int = 8192, maxHeaderCount: Int = 64) {
        self.maxHeadLength = maxHeadLength
        self.maxHeaderCount = maxHeaderCount
    }

    /// Adds bytes. Returns the head's lines (request or status line first)
    /// and how many of `bytes` belong to the head, or nil if it needs more.
    mutating func feedLines(_ bytes: some Collection<UInt8>) throws(HTTPParseError)
        -> (lines: [String], consumed: Int)?
    {
        for (i, byte) in bytes.enumerated() {
            buffer.append(byte)
            let n = buffer.count
            if n >= 4, buffer[n - 4] == 13, buffer[n - 3] == 10, buffer[n - 2] == 13, buffer[n - 1] == 10 {
                let lines = try splitLines(Array(buffer[0..<(n - 4)]))
                buffer.removeAll()
                return (lines, i + 1)
            }
            if n > maxHeadLength { throw .headTooLarge(limit: maxHeadLength) }
        }
        return nil
    }

    private func splitLines(_ head: [UInt8]) throws(HTTPParseError) -> [String] {
        var lines: [String] = []
        var start = 0
        var i = 0
        while i < head.count {
            let byte = head[i]
            if byte == 13 {
                guard i + 1 < head.count, head[i + 1] == 10 else { throw .invalidCharacter(offset: i) }
                lines.append(String(decoding: head[start..<i], as: UTF8.self))
                i += 2
                start = i
                continue
            }
            // RFC 9110 §5.5: field values are visible characters, SP and HTAB
            // (and obs-text, bytes >= 0x80); no other control bytes.
            if byte == 10 || byte == 0 || byte == 127 || (byte < 32 && byte != 9) {
                throw .invalidCharacter(offset: i)
            }
            i += 1
        }
        lines.append(String(decoding: head[start..<head.count], as: UTF8.self))
        if lines.count - 1 > maxHeaderCount { throw .tooManyHeaders(limit: maxHeaderCount) }
        return lines
    }

    /// Parses header lines "name: value" (RFC 9112 §5). Names are tokens;
    /// a line starting with whitespace (obsolete folding) is refused.
    static func parseFields(_ lines: ArraySlice<String>) throws(HTTPParseError) -> [HTTPHeaderField] {
        var fields: [HTTPHeaderField] = []
        for (index, line) in lines.enumerated() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedHeader(line: index + 2) }
            let name = line[..<colon]
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(isTokenCharacter) else {
                throw .malformedHeader(line: index + 2)
            }
            let value = line[line.index(after: colon)...].trimmingSpaces()
            fields.append(HTTPHeaderField(String(name), value))
        }
        return fields
    }

    static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": true
        default: false
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Parses a response head: "HTTP/1.x NNN reason" and its fields.
public struct HTTPResponseParser: Sendable {
    private var lines: HTTPHeadParser

    public init(maxHeadLength: Int = 8192, maxHeaderCount: Int = 64) {
        lines = HTTPHeadParser(maxHeadLength: maxHeadLength, maxHeaderCount: maxHeaderCount)
    }

    /// Returns the head and the number of `bytes` it used once the head is
    /// complete; nil while more bytes are needed.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(HTTPParseError)
        -> (head: HTTPResponseHead, consumed: Int)?
    {
        guard let (all, consumed) = try lines.feedLines(bytes) else { return nil }
        guard let statusLine = all.first else { throw .malformedStatusLine }
        // RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase]
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw .malformedStatusLine }
        let version = String(parts[0])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw .unsupportedVersion(String(version.prefix(16)))
        }
        guard parts[1].count == 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
            let status = Int(parts[1])
        else { throw .invalidStatusCode }
        let reason = parts.count == 3 ? String(parts[2]) : ""
        let fields = try HTTPHeadParser.parseFields(all.dropFirst())
        return (HTTPResponseHead(version: version, status: status, reason: reason, headers: fields), consumed)
    }
}

/// Parses a request head: "METHOD target HTTP/1.x" and its fields.
public struct HTTPRequestParser: Sendable {
    private var lines: HTTPHeadParser

    public init(maxHeadLength: Int = 8192, maxHeaderCount: Int = 64) {
        lines = HTTPHeadParser(maxHeadLength: maxHeadLength, maxHeaderCount: maxHeaderCount)
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) throws(HTTPParseError)
        -> (head: HTTPRequestHead, consumed: Int)?
    {
        guard let (all, consumed) = try lines.feedLines(bytes) else { return nil }
        guard let requestLine = all.first else { throw .malformedRequestLine }
        // RFC 9112 §3: method SP request-target SP HTTP-version
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            parts[0].unicodeScalars.allSatisfy(HTTPHeadParser.isTokenCharacter)
        else { throw .malformedRequestLine }
        let version = String(parts[2])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw .unsupportedVersion(String(version.prefix(16)))
        }
        let fields = try HTTPHeadParser.parseFields(all.dropFirst())
        return (
            HTTPRequestHead(
                method: String(parts[0]), target: String(parts[1]), version: version, headers: fields),
            consumed
        )
    }
}
