/// An HTTP/1.x header field as received or to send.
public struct HTTPHeaderField: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension [HTTPHeaderField] {
    /// The first value of a header, compared case-insensitively (RFC 9110 §5.1).
    public func first(named name: String) -> String? {
        let lower = name.lowercased()
        return first { $0.name.lowercased() == lower }?.value
    }

    /// Every value of a header, in order.
    public func all(named name: String) -> [String] {
        let lower = name.lowercased()
        return filter { $0.name.lowercased() == lower }.map(\.value)
    }
}

/// A parsed response status line and header block.
public struct HTTPResponseHead: Hashable, Sendable {
    /// "HTTP/1.1" or "HTTP/1.0".
    public var version: String
    public var status: Int
    public var reason: String
    public var headers: [HTTPHeaderField]
}

/// A parsed request line and header block (the server side).
public struct HTTPRequestHead: Hashable, Sendable {
    public var method: String
    public var target: String
    public var version: String
    public var headers: [HTTPHeaderField]
}

/// What can be wrong with an HTTP head we receive. Every case names the
/// problem; none carries header values that could hold credentials.
public enum HTTPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The head is larger than the limit without ending in an empty line.
    case headTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case malformedStatusLine
    case malformedRequestLine
    case unsupportedVersion(String)
    case malformedHeader(line: Int)
    /// A byte that HTTP does not allow in a head (control characters, bare CR
    /// or LF, or NUL), at this offset.
    case invalidCharacter(offset: Int)
    case invalidStatusCode

    public var description: String {
        switch self {
        case .headTooLarge(let limit): "HTTP head larger than \(limit) bytes"
        case .tooManyHeaders(let limit): "more than \(limit) HTTP header fields"
        case .malformedStatusLine: "malformed HTTP status line"
        case .malformedRequestLine: "malformed HTTP request line"
        case .unsupportedVersion(let v): "unsupported HTTP version \"\(v)\""
        case .malformedHeader(let line): "malformed HTTP header field on line \(line)"
        case .invalidCharacter(let offset): "invalid byte in the HTTP head at offset \(offset)"
        case .invalidStatusCode: "HTTP status code is not three digits"
        }
    }
}
