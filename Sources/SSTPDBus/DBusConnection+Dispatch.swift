import CDBus
import Glibc
import SSTPPlatform

/// Incoming messages: method calls routed to the exported objects (with
/// Properties and Introspectable answered here), signals to their handlers.
extension DBusConnection {
    // MARK: - Dispatch

    func filter(_ message: OpaquePointer) -> DBusHandlerResult {
        let type = dbus_message_get_type(message)
        let path = dbus_message_get_path(message).map { String(cString: $0) } ?? ""
        let interface = dbus_message_get_interface(message).map { String(cString: $0) } ?? ""
        let member = dbus_message_get_member(message).map { String(cString: $0) } ?? ""
        let sender = dbus_message_get_sender(message).map { String(cString: $0) } ?? ""
        if type == CSSTP_DBUS_MESSAGE_TYPE_SIGNAL {
            if interface == "org.freedesktop.DBus.Local", member == "Disconnected" {
                let callback = onDisconnected
                onDisconnected = nil
                callback?()
                return DBUS_HANDLER_RESULT_HANDLED
            }
            if let onSignal, let args = try? DBusReader.read(message) {
                onSignal(sender, path, interface, member, args)
            }
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
        guard type == CSSTP_DBUS_MESSAGE_TYPE_METHOD_CALL else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
        let children = childNames(of: path)
        guard objects[path] != nil || !children.isEmpty else {
            // Nothing here, or no longer (an ended connection): the standard error.
            if dbus_message_get_no_reply(message) == 0 {
                reply(
                    to: message, .failure(DBusError("org.freedesktop.DBus.Error.UnknownObject", "no object at \(path)"))
                )
            }
            return DBUS_HANDLER_RESULT_HANDLED
        }
        let result: Result<[DBusValue], DBusError>
        var deferred: DBusDeferredReply?
        do {
            let arguments = try DBusReader.read(message)
            let signature = dbus_message_get_signature(message).map { String(cString: $0) } ?? ""
            var call = DBusMethodCall(
                sender: sender, path: path, interface: interface, member: member, arguments: arguments,
                callerUID: nil)
            call.deferReply = { [weak self] in
                let later = DBusDeferredReply(connection: self, message: message)
                deferred = later
                return later
            }
            result = .success(try invoke(call, signature: signature, children: children))
        } catch let error as DBusError {
            result = .failure(error)
        } catch {
            result = .failure(.invalidArgs("\(error)"))
        }
        if let deferred {
            // A handler that deferred and then threw replies with its error.
            if case .failure = result { deferred.send(result) }
        } else if dbus_message_get_no_reply(message) == 0 {
            reply(to: message, result)
        }
        return DBUS_HANDLER_RESULT_HANDLED
    }

    func invoke(_ call: DBusMethodCall, signature: String, children: [String]) throws(DBusError)
        -> [DBusValue]
    {
        let object = objects[call.path]
        switch (call.interface, call.member) {
        case ("org.freedesktop.DBus.Introspectable", "Introspect"), ("", "Introspect"):
            return [.string(DBusIntrospection.xml(for: object, children: children))]
        case ("org.freedesktop.DBus.Peer", "Ping"), ("", "Ping"):
            return []
        case ("org.freedesktop.DBus.Peer", "GetMachineId"):
            return [.string(Self.machineID())]
        case ("org.freedesktop.DBus.Properties", "Get"):
            guard signature == "ss", case .string(let iface) = call.arguments[0],
                case .string(let name) = call.arguments[1]
            else { throw DBusError.invalidArgs("Get takes (ss)") }
            guard
                let property = try Self.interface(iface, of: object, at: call.path).properties.first(where: {
                    $0.name == name
                })
            else {
                throw DBusError.unknownProperty("no property \(iface).\(name) at \(call.path)")
            }
            return [.variant(property.get())]
        case ("org.freedesktop.DBus.Properties", "GetAll"):
            guard signature == "s", case .string(let iface) = call.arguments[0] else {
                throw DBusError.invalidArgs("GetAll takes (s)")
            }
            var all: [String: DBusValue] = [:]
            for p in try Self.interface(iface, of: object, at: call.path).properties { all[p.name] = p.get() }
            return [.vardict(all)]
        case ("org.freedesktop.DBus.Properties", "Set"):
            guard signature == "ssv", case .string(let iface) = call.arguments[0],
                case .string(let name) = call.arguments[1], case .variant(let value) = call.arguments[2]
            else { throw DBusError.invalidArgs("Set takes (ssv)") }
            guard
                let property = try Self.interface(iface, of: object, at: call.path).properties.first(where: {
                    $0.name == name
                })
            else {
                throw DBusError.unknownProperty("no property \(iface).\(name) at \(call.path)")
            }
            guard let setter = property.set else {
                throw DBusError("org.freedesktop.DBus.Error.PropertyReadOnly", "\(iface).\(name) is read-only")
            }
            guard value.signature == property.signature else {
                throw DBusError.invalidArgs("\(iface).\(name) has type \(property.signature), not \(value.signature)")
            }
            try Self.asDBusError { try setter(value) }
            propertiesChanged(path: call.path, interface: iface, names: [name])
            return []
        default:
            break
        }
        guard let object else {
            throw DBusError("org.freedesktop.DBus.Error.UnknownObject", "no object at \(call.path)")
        }
        let candidates = object.interfaces.filter { call.interface.isEmpty || $0.name == call.interface }
        guard !candidates.isEmpty else {
            throw DBusError(
                "org.freedesktop.DBus.Error.UnknownInterface", "no interface \(call.interface) at \(call.path)")
        }
        for iface in candidates {
            if let method = iface.methods.first(where: { $0.name == call.member }) {
                guard method.inSignature == signature else {
                    throw DBusError.invalidArgs(
                        "\(iface.name).\(method.name) takes (\(method.inSignature)), not (\(signature))")
                }
                onMethodCall?(call)
                if method.needsCallerUID {
                    continueWithCallerUID(call, method)
                    return []
                }
                return try Self.asDBusError { try method.handler(call) }
            }
        }
        throw DBusError.unknownMethod("no method \(call.member) in \(call.interface) at \(call.path)")
    }

    /// The interface a Properties call names: UnknownInterface when the
    /// object lacks it (D-Bus specification, org.freedesktop.DBus.Properties).
    private static func interface(_ name: String, of object: DBusObject?, at path: String) throws(DBusError)
        -> DBusInterface
    {
        guard let found = object?.interface(name) else {
            throw DBusError("org.freedesktop.DBus.Error.UnknownInterface", "no interface \(name) at \(path)")
        }
        return found
    }

    func reply(to message: OpaquePointer, _ result: Result<[DBusValue], DBusError>) {
        let reply: OpaquePointer?
        switch result {
        case .success(let values):
            reply = dbus_message_new_method_return(message)
            if let reply {
                do {
                    try DBusWriter.append(values, to: reply)
                } catch {
                    dbus_message_unref(reply)
                    self.reply(to: message, .failure(.failed("could not marshal the reply: \(error)")))
                    return
                }
            }
        case .failure(let error):
            let name = dbus_validate_error_name(error.name, nil) != 0 ? error.name : "org.freedesktop.DBus.Error.Failed"
            reply = dbus_message_new_error(message, name, error.message)
        }
        guard let reply else { return }
        _ = dbus_connection_send(raw, reply, nil)
        dbus_message_unref(reply)
    }

    /// The names of exported objects directly below `path`.
    func childNames(of path: String) -> [String] {
        let prefix = path == "/" ? "/" : path + "/"
        var names: Set<String> = []
        for p in objects.keys where p.hasPrefix(prefix) && p != path {
            if let first = p.dropFirst(prefix.count).split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    /// Runs a handler; a DBusError passes through, any other error becomes
    /// org.freedesktop.DBus.Error.Failed with its description.
    static func asDBusError<T>(_ body: () throws -> T) throws(DBusError) -> T {
        do {
            return try body()
        } catch let error as DBusError {
            throw error
        } catch {
            throw DBusError.failed("\(error)")
        }
    }

    static func machineID() -> String {
        guard let id = dbus_try_get_local_machine_id(nil) else { return "" }
        defer { dbus_free(id) }
        return String(cString: id)
    }

    static func takeError(_ error: UnsafeMutablePointer<CDBus.DBusError>, fallback: String) -> DBusError {
        defer { dbus_error_free(error) }
        guard dbus_error_is_set(error) != 0 else { return .failed(fallback) }
        let name = error.pointee.name.map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed"
        let message = error.pointee.message.map { String(cString: $0) } ?? fallback
        return DBusError(name, message)
    }
}
