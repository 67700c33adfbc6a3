import PPPDBridge

/// The pppd bridge deframer on the input after its first byte, cut in
/// chunks whose size that byte picks. The chunked run must end like a
/// one-shot run (the same messages, or the same error), every decoded
/// message must validate and re-encode to bytes that decode to itself, and
/// the deframer never holds a whole message's worth of bytes.
public func fuzzPPPDBridge(_ data: [UInt8]) {
    guard let first = data.first else { return }
    let chunk = Int(first % 32) + 1
    let stream = data.dropFirst()

    var whole = BridgeDeframer()
    let oneShot: Result<[BridgeMessage], BridgeError> = Result { () throws(BridgeError) in try whole.feed(stream) }

    var deframer = BridgeDeframer()
    var messages: [BridgeMessage] = []
    var failure: BridgeError?
    var offset = stream.startIndex
    while offset < stream.endIndex, failure == nil {
        let end = min(offset + chunk, stream.endIndex)
        do {
            messages += try deframer.feed(stream[offset..<end])
        } catch {
            failure = error
        }
        precondition(deframer.bufferedByteCount < BridgeMessage.headerLength + BridgeMessage.maxBodyLength)
        offset = end
    }

    switch oneShot {
    case .success(let expected):
        precondition(failure == nil && messages == expected, "chunked decoding differs from one-shot")
    case .failure(let error):
        precondition(failure == error, "chunked decoding failed differently from one-shot")
    }
    for message in messages {
        let bytes = message.encoded()
        var again = BridgeDeframer()
        precondition((try? again.feed(bytes)) == [message], "a decoded message does not survive re-encoding")
        precondition((try? message.validated()) == bytes, "a decoded message does not validate")
    }
}
