import CDBus
import Glibc
public import SSTPPlatform

/// A private libdbus connection driven by our epoll loop: libdbus's watches
/// become fd registrations, its timeouts become loop timers, and incoming
/// method calls are dispatched to exported objects on the loop's thread. No
/// thread per call.
public final class DBusConnection {
    let raw: OpaquePointer
    unowned let loop: EventLoop
    var objects: [String: DBusObject] = [:]
    var watches: [Int32: [OpaquePointer]] = [:]
    var timeouts: [OpaquePointer: EventLoop.TimerID] = [:]
    var dispatchScheduled = false
    /// Callers' uids by unique name (DBusConnection+CallerUID).
    var callerUIDs: [String: UInt32] = [:]
    var closed = false
    /// Called once when the bus connection drops.
    public var onDisconnected: (() -> Void)?
    /// Method calls to objects we export, for logging (never arguments).
    public var onMethodCall: ((DBusMethodCall) -> Void)?

    /// The system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured by libdbus).
    public static func system(loop: EventLoop) throws(DBusError) -> DBusConnection {
        try open(loop: loop) { err in dbus_bus_get_private(DBUS_BUS_SYSTEM, err) }
    }

    public static func session(loop: EventLoop) throws(DBusError) -> DBusConnection {
        try open(loop: loop) { err in dbus_bus_get_private(DBUS_BUS_SESSION, err) }
    }

    /// A bus at an explicit address, registered with Hello.
    public static func bus(address: String, loop: EventLoop) throws(DBusError) -> DBusConnection {
        try open(loop: loop) { err in
            guard let c = dbus_connection_open_private(address, err) else { return nil }
            guard dbus_bus_register(c, err) != 0 else {
                dbus_connection_close(c)
                dbus_connection_unref(c)
                return nil
            }
            return c
        }
    }

    private static func open(loop: EventLoop, _ body: (UnsafeMutablePointer<CDBus.DBusError>) -> OpaquePointer?)
        throws(DBusError) -> DBusConnection
    {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        guard let raw = body(&error) else {
            let e = takeError(&error, fallback: "cannot connect to the bus")
            throw e
        }
        dbus_connection_set_exit_on_disconnect(raw, 0)
        let connection = DBusConnection(raw: raw, loop: loop)
        try connection.install()
        return connection
    }

    private init(raw: OpaquePointer, loop: EventLoop) {
        self.raw = raw
        self.loop = loop
    }

    deinit {
        close()
        dbus_connection_unref(raw)
    }

    /// Closes the connection and stops watching it.
    public func close() {
        guard !closed else { return }
        closed = true
        for fd in watches.keys { loop.remove(fd: fd) }
        watches.removeAll()
        for (_, id) in timeouts { loop.cancel(id) }
        timeouts.removeAll()
        dbus_connection_close(raw)
    }

    /// Our unique name (":1.42").
    public var uniqueName: String {
        dbus_bus_get_unique_name(raw).map { String(cString: $0) } ?? ""
    }

    // MARK: - Loop integration

    func install() throws(DBusError) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        let added = dbus_connection_set_watch_functions(
            raw,
            { watch, data in
                guard let watch, let data else { return 0 }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().addWatch(watch)
                return 1
            },
            { watch, data in
                guard let watch, let data else { return }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().removeWatch(watch)
            },
            { watch, data in
                guard let watch, let data else { return }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().updateWatches(
                    dbus_watch_get_unix_fd(watch))
            }, me, nil)
        let timed = dbus_connection_set_timeout_functions(
            raw,
            { timeout, data in
                guard let timeout, let data else { return 0 }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().scheduleTimeout(timeout)
                return 1
            },
            { timeout, data in
                guard let timeout, let data else { return }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().cancelTimeout(timeout)
            },
            { timeout, data in
                guard let timeout, let data else { return }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().scheduleTimeout(timeout)
            }, me, nil)
        dbus_connection_set_dispatch_status_function(
            raw,
            { _, status, data in
                guard let data, status == DBUS_DISPATCH_DATA_REMAINS else { return }
                Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().scheduleDispatch()
            }, me, nil)
        let filtered = dbus_connection_add_filter(
            raw,
            { _, message, data in
                guard let message, let data else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
                return Unmanaged<DBusConnection>.fromOpaque(data).takeUnretainedValue().filter(message)
            }, me, nil)
        guard added != 0, timed != 0, filtered != 0 else { throw DBusError.failed("out of memory setting up D-Bus") }
        scheduleDispatch()
    }

    func addWatch(_ watch: OpaquePointer) {
        let fd = dbus_watch_get_unix_fd(watch)
        let isNew = watches[fd] == nil
        watches[fd, default: []].append(watch)
        if isNew {
            do {
                try loop.add(fd: fd, events: []) { [weak self] events in self?.handle(fd: fd, events: events) }
            } catch {
                return
            }
        }
        updateWatches(fd)
    }

    func removeWatch(_ watch: OpaquePointer) {
        let fd = dbus_watch_get_unix_fd(watch)
        watches[fd]?.removeAll { $0 == watch }
        if watches[fd]?.isEmpty ?? false {
            watches[fd] = nil
            loop.remove(fd: fd)
        } else {
            updateWatches(fd)
        }
    }

    func updateWatches(_ fd: Int32) {
        guard let list = watches[fd] else { return }
        var events: EventLoop.Events = []
        for w in list where dbus_watch_get_enabled(w) != 0 {
            let flags = dbus_watch_get_flags(w)
            if flags & CSSTP_DBUS_WATCH_READABLE != 0 { events.insert(.readable) }
            if flags & CSSTP_DBUS_WATCH_WRITABLE != 0 { events.insert(.writable) }
        }
        loop.modify(fd: fd, events: events)
    }

    func handle(fd: Int32, events: EventLoop.Events) {
        guard let list = watches[fd] else { return }
        var flags: UInt32 = 0
        if events.contains(.readable) { flags |= CSSTP_DBUS_WATCH_READABLE }
        if events.contains(.writable) { flags |= CSSTP_DBUS_WATCH_WRITABLE }
        if events.contains(.hangup) { flags |= CSSTP_DBUS_WATCH_HANGUP }
        if events.contains(.error) { flags |= CSSTP_DBUS_WATCH_ERROR }
        for w in list where dbus_watch_get_enabled(w) != 0 {
            let wanted = dbus_watch_get_flags(w) | CSSTP_DBUS_WATCH_HANGUP | CSSTP_DBUS_WATCH_ERROR
            if flags & wanted != 0 { dbus_watch_handle(w, flags & wanted) }
        }
        dispatchAll()
    }

    func scheduleTimeout(_ timeout: OpaquePointer) {
        cancelTimeout(timeout)
        guard dbus_timeout_get_enabled(timeout) != 0 else { return }
        let interval = Duration.milliseconds(Int64(dbus_timeout_get_interval(timeout)))
        timeouts[timeout] = loop.schedule(at: loop.now + interval) { [weak self] in
            guard let self else { return }
            self.timeouts[timeout] = nil
            dbus_timeout_handle(timeout)
            // libdbus timeouts repeat until removed or disabled.
            if dbus_timeout_get_enabled(timeout) != 0, self.timeouts[timeout] == nil {
                self.scheduleTimeout(timeout)
            }
            self.dispatchAll()
        }
    }

    func cancelTimeout(_ timeout: OpaquePointer) {
        if let id = timeouts.removeValue(forKey: timeout) { loop.cancel(id) }
    }

    func scheduleDispatch() {
        guard !dispatchScheduled else { return }
        dispatchScheduled = true
        loop.schedule(at: loop.now) { [weak self] in
            self?.dispatchScheduled = false
            self?.dispatchAll()
        }
    }

    func dispatchAll() {
        guard !closed else { return }
        while dbus_connection_dispatch(raw) == DBUS_DISPATCH_DATA_REMAINS {}
        if dbus_connection_get_is_connected(raw) == 0 {
            let callback = onDisconnected
            onDisconnected = nil
            callback?()
        }
    }

    // MARK: - Names

    public enum NameResult: Sendable {
        case primaryOwner
        case alreadyOwner
        /// Someone else owns it (we asked not to queue).
        case exists
    }

    /// RequestName, without queueing: we own the name or we are told why not.
    public func requestName(_ name: String, allowReplacement: Bool = false, replaceExisting: Bool = false)
        throws(DBusError) -> NameResult
    {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        var flags = UInt32(CSSTP_DBUS_NAME_FLAG_DO_NOT_QUEUE)
        if allowReplacement { flags |= UInt32(CSSTP_DBUS_NAME_FLAG_ALLOW_REPLACEMENT) }
        if replaceExisting { flags |= UInt32(CSSTP_DBUS_NAME_FLAG_REPLACE_EXISTING) }
        let result = dbus_bus_request_name(raw, name, flags, &error)
        if result < 0 { throw Self.takeError(&error, fallback: "cannot own \(name)") }
        switch result {
        case Int32(CSSTP_DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER): return .primaryOwner
        case Int32(CSSTP_DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER): return .alreadyOwner
        default: return .exists
        }
    }

    // MARK: - Objects

    /// Exports an object; calls to its path are dispatched to its interfaces.
    public func export(_ object: DBusObject) {
        objects[object.path] = object
    }

    public func unexport(path: String) {
        objects[path] = nil
    }

    public func object(at path: String) -> DBusObject? { objects[path] }

    /// Emits a signal from `path`.
    public func emitSignal(path: String, interface: String, name: String, _ arguments: [DBusValue])
        throws(DBusError)
    {
        guard let message = dbus_message_new_signal(path, interface, name) else {
            throw DBusError.failed("cannot make signal \(interface).\(name)")
        }
        defer { dbus_message_unref(message) }
        do {
            try DBusWriter.append(arguments, to: message)
        } catch {
            throw DBusError.invalidArgs(error.description)
        }
        try send(message)
    }

    /// org.freedesktop.DBus.Properties.PropertiesChanged for `names`.
    public func propertiesChanged(path: String, interface: String, names: [String]) {
        guard let iface = objects[path]?.interface(interface) else { return }
        var changed: [String: DBusValue] = [:]
        for p in iface.properties where names.contains(p.name) && p.emitsChange { changed[p.name] = p.get() }
        guard !changed.isEmpty else { return }
        try? emitSignal(
            path: path, interface: "org.freedesktop.DBus.Properties", name: "PropertiesChanged",
            [.string(interface), .vardict(changed), .strings([])])
    }

    func send(_ message: OpaquePointer) throws(DBusError) {
        guard dbus_connection_send(raw, message, nil) != 0 else { throw DBusError.failed("out of memory sending") }
    }

    /// A blocking call, for tools and tests (never on the service's event
    /// loop: a caller's uid is asked with `lookUpUnixUser`); replies are
    /// also dispatched normally afterwards.
    public func call(
        destination: String, path: String, interface: String, member: String, _ arguments: [DBusValue],
        timeoutMilliseconds: Int32 = 5000
    ) throws(DBusError) -> [DBusValue] {
        guard let message = dbus_message_new_method_call(destination, path, interface, member) else {
            throw DBusError.failed("cannot make a call to \(interface).\(member)")
        }
        defer { dbus_message_unref(message) }
        do {
            try DBusWriter.append(arguments, to: message)
        } catch {
            throw DBusError.invalidArgs(error.description)
        }
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        guard let reply = dbus_connection_send_with_reply_and_block(raw, message, timeoutMilliseconds, &error) else {
            throw Self.takeError(&error, fallback: "\(interface).\(member) failed")
        }
        defer { dbus_message_unref(reply) }
        scheduleDispatch()
        do {
            return try DBusReader.read(reply)
        } catch {
            throw DBusError.failed("unreadable reply: \(error)")
        }
    }

    /// Asks the bus to deliver signals matching `rule` to us.
    public func addMatch(_ rule: String) throws(DBusError) {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        dbus_bus_add_match(raw, rule, &error)
        if dbus_error_is_set(&error) != 0 { throw Self.takeError(&error, fallback: "AddMatch failed") }
    }

    /// Signal handlers for matched signals, by interface and member.
    public var onSignal:
        ((_ sender: String, _ path: String, _ interface: String, _ member: String, [DBusValue]) -> Void)?

}

/// The reply to a method call whose handler called `deferReply()`: sent
/// once, by `send`, or as Failed when dropped unsent, so that no caller
/// waits for its timeout.
public final class DBusDeferredReply {
    private weak var connection: DBusConnection?
    var message: OpaquePointer?

    /// A reply that goes nowhere (a call made outside a bus).
    public init() {}

    init(connection: DBusConnection?, message: OpaquePointer) {
        self.connection = connection
        self.message = dbus_message_ref(message)
    }

    /// Whether `send` has not been called yet.
    public var isPending: Bool { message != nil }

    public func send(_ result: Result<[DBusValue], DBusError>) {
        guard let message else { return }
        self.message = nil
        if dbus_message_get_no_reply(message) == 0 { connection?.reply(to: message, result) }
        dbus_message_unref(message)
    }

    deinit {
        send(.failure(.failed("the service dropped this call")))
    }
}
