import CDBus

/// A caller's Unix uid without blocking the event loop: the dispatch of a
/// method declared `needsCallerUID` defers its reply, asks the bus
/// (GetConnectionUnixUser, D-Bus specification "Message Bus Messages") as
/// a pending call, and runs the handler when the answer arrives.
extension DBusConnection {
    /// Runs `method`'s handler for `call` once the caller's uid is known
    /// (nil when the bus does not say); its result goes out as the reply.
    func continueWithCallerUID(_ call: DBusMethodCall, _ method: DBusMethod) {
        let reply = call.deferReply()
        lookUpUnixUser(of: call.sender) { uid in
            var resumed = call
            resumed.callerUID = uid
            // A handler may defer the reply itself: then it is its to send.
            let taken = TakenFlag()
            resumed.deferReply = {
                taken.value = true
                return reply
            }
            let result: Result<[DBusValue], DBusError>
            do throws(DBusError) {
                result = .success(try Self.asDBusError { try method.handler(resumed) })
            } catch {
                result = .failure(error)
            }
            if case .failure = result {
                reply.send(result)
            } else if !taken.value {
                reply.send(result)
            }
        }
    }

    /// The uid of `sender`: from the bus, `done` running from a later
    /// dispatch (on the event loop) with the answer, or nil when the bus
    /// answers with an error, does not answer in 5 s, or cannot be asked.
    ///
    /// A unique name belongs to one connection for the bus's lifetime and
    /// is never reused (D-Bus specification, "Bus Names"), and the bus
    /// takes a connection's credentials once, when it connects: so a known
    /// sender's uid is answered from `callerUIDs` at once, without a round
    /// trip to the bus in front of every Connect (bench/README.md).
    func lookUpUnixUser(of sender: String, _ done: @escaping (UInt32?) -> Void) {
        if sender.hasPrefix(":"), let known = callerUIDs[sender] {
            done(known)
            return
        }
        askBusForUnixUser(of: sender) { [weak self] uid in
            if let uid, sender.hasPrefix(":") { self?.remember(uid: uid, of: sender) }
            done(uid)
        }
    }

    /// At most `callerUIDCapacity` senders are kept (callers that left
    /// stay until it fills up, then all are forgotten).
    private func remember(uid: UInt32, of sender: String) {
        if callerUIDs.count >= Self.callerUIDCapacity { callerUIDs.removeAll() }
        callerUIDs[sender] = uid
    }

    static let callerUIDCapacity = 256

    private func askBusForUnixUser(of sender: String, _ done: @escaping (UInt32?) -> Void) {
        guard !sender.isEmpty,
            let message = dbus_message_new_method_call(
                "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser")
        else {
            done(nil)
            return
        }
        defer { dbus_message_unref(message) }
        var pending: OpaquePointer?
        guard (try? DBusWriter.append([.string(sender)], to: message)) != nil,
            dbus_connection_send_with_reply(raw, message, &pending, 5000) != 0, let pending
        else {
            done(nil)
            return
        }
        let box = Unmanaged.passRetained(UIDAnswer(done)).toOpaque()
        let set = dbus_pending_call_set_notify(
            pending,
            { pending, data in
                guard let pending, let data else { return }
                var uid: UInt32?
                if let reply = dbus_pending_call_steal_reply(pending) {
                    if dbus_message_get_type(reply) == CSSTP_DBUS_MESSAGE_TYPE_METHOD_RETURN {
                        uid = (try? DBusReader.read(reply))?.first?.uint32Value
                    }
                    dbus_message_unref(reply)
                }
                Unmanaged<UIDAnswer>.fromOpaque(data).takeUnretainedValue().deliver(uid)
            }, box,
            { data in
                if let data { Unmanaged<UIDAnswer>.fromOpaque(data).release() }
            })
        // The connection holds its own reference until the call completes.
        dbus_pending_call_unref(pending)
        if set == 0 {
            Unmanaged<UIDAnswer>.fromOpaque(box).release()
            done(nil)
        }
        scheduleDispatch()
    }
}

/// Whether a resumed handler took the reply over.
private final class TakenFlag {
    var value = false
}

/// The continuation of one uid lookup; runs at most once.
private final class UIDAnswer {
    private var done: ((UInt32?) -> Void)?

    init(_ done: @escaping (UInt32?) -> Void) {
        self.done = done
    }

    func deliver(_ uid: UInt32?) {
        let run = done
        done = nil
        run?(uid)
    }
}
