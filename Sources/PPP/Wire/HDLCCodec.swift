/// RFC 1662 asynchronous HDLC-like framing, as the kernel's ppp_async does
/// it on a pppd tty: 0x7e flags, 0x7d escapes under an ACCM, and FCS-16.
/// MS-SSTP carries PPP frames without any of this; the pppd backend needs
/// it between the pty and SSTP. The encoder is stateless; the decoder takes
/// bytes in any split and keeps a partial frame between calls.
public struct HDLCCodec: Sendable {
    /// RFC 1662 §4.1 Flag Sequence.
    public static let flag: UInt8 = 0x7e
    /// RFC 1662 §4.2 Control Escape.
    public static let escape: UInt8 = 0x7d
    /// RFC 1662 §7.1: the default ACCM escapes every character below 0x20.
    public static let defaultAsyncMap: UInt32 = 0xffff_ffff

    /// Characters below 0x20 whose bit is set here are escaped when sent
    /// (RFC 1662 §7.1: bit n stands for character n).
    public var transmitAsyncMap: UInt32
    /// Characters below 0x20 whose bit is set here are dropped when they
    /// arrive unescaped (RFC 1662 §4.2: they were inserted by the line).
    /// Defaults to 0: pppd may have negotiated ACCM 0 with the peer and
    /// then sends control characters raw, which must not be lost.
    public var receiveAsyncMap: UInt32
    /// The longest frame (before its FCS) the decoder keeps.
    public let maximumFrameLength: Int

    private var buffer: [UInt8] = []
    private var escaped = false
    /// Skipping to the next flag after an over-long frame.
    private var discarding = false

    public init(
        transmitAsyncMap: UInt32 = HDLCCodec.defaultAsyncMap, receiveAsyncMap: UInt32 = 0,
        maximumFrameLength: Int = 4096
    ) {
        self.transmitAsyncMap = transmitAsyncMap
        self.receiveAsyncMap = receiveAsyncMap
        self.maximumFrameLength = max(maximumFrameLength, 2)
    }

    /// Bytes of an unfinished frame held until its closing flag.
    public var bufferedByteCount: Int { buffer.count }

    // MARK: Encoding

    /// The frame between two flags, with its FCS, escaped (RFC 1662 §4.2:
    /// the flag, the escape and every ACCM-flagged character are sent as
    /// 0x7d followed by the character XOR 0x20).
    public func encode(_ frame: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frame.count + frame.count / 8 + 6)
        out.append(Self.flag)
        var fcs = HDLCFrameCheckSequence.initial
        for byte in frame {
            fcs = HDLCFrameCheckSequence.update(fcs, byte)
            appendEscaped(byte, to: &out)
        }
        fcs = ~fcs
        appendEscaped(UInt8(fcs & 0xff), to: &out)
        appendEscaped(UInt8(fcs >> 8), to: &out)
        out.append(Self.flag)
        return out
    }

    private func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        if byte == Self.flag || byte == Self.escape
            || (byte < 0x20 && transmitAsyncMap & (1 << UInt32(byte)) != 0)
        {
            out.append(Self.escape)
            out.append(byte ^ 0x20)
        } else {
            out.append(byte)
        }
    }

    // MARK: Decoding

    /// Feeds received bytes; calls `body` for each frame (FCS checked and
    /// removed) or each dropped one, in order.
    public mutating func decode(
        _ bytes: some Sequence<UInt8>, _ body: (Result<[UInt8], HDLCError>) -> Void
    ) {
        for byte in bytes {
            if byte == Self.flag {
                finishFrame(body)
                continue
            }
            if discarding { continue }
            var value = byte
            if escaped {
                escaped = false
                value ^= 0x20
            } else if byte == Self.escape {
                escaped = true
                continue
            } else if byte < 0x20 && receiveAsyncMap & (1 << UInt32(byte)) != 0 {
                continue
            }
            // Frame plus its 2 FCS bytes.
            if buffer.count >= maximumFrameLength + 2 {
                buffer.removeAll(keepingCapacity: true)
                discarding = true
                body(.failure(.frameTooLong(limit: maximumFrameLength)))
                continue
            }
            buffer.append(value)
        }
    }

    /// Convenience: the results of `decode(_:_:)` as an array.
    public mutating func decode(_ bytes: some Sequence<UInt8>) -> [Result<[UInt8], HDLCError>] {
        var out: [Result<[UInt8], HDLCError>] = []
        decode(bytes) { out.append($0) }
        return out
    }

    private mutating func finishFrame(_ body: (Result<[UInt8], HDLCError>) -> Void) {
        defer {
            buffer.removeAll(keepingCapacity: true)
            escaped = false
            discarding = false
        }
        if discarding { return }
        if escaped {
            // RFC 1662 §4.2: 0x7d immediately before a flag aborts the frame.
            body(.failure(.aborted))
            return
        }
        // RFC 1662 §4.1: back-to-back flags are inter-frame fill.
        if buffer.isEmpty { return }
        guard buffer.count >= 4 else {
            body(.failure(.frameTooShort(length: buffer.count)))
            return
        }
        guard
            HDLCFrameCheckSequence.update(HDLCFrameCheckSequence.initial, with: buffer)
                == HDLCFrameCheckSequence.good
        else {
            body(.failure(.badFrameCheckSequence(length: buffer.count)))
            return
        }
        body(.success(Array(buffer.dropLast(2))))
    }
}
