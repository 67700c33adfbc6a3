import CDBus
import Foundation
import SSTPPlatform
import Testing

@testable import SSTPDBus

/// The caller-uid lookup does not hold the dispatch: a call that needs the
/// uid waits for the bus while later calls are served.
@Suite(.serialized) struct CallerLookupOrderTests {
    /// A client sends WhoAmI (needs the caller's uid), then Mark (does
    /// not); both reach the service before its GetConnectionUnixUser can be
    /// answered (the daemon is stopped while the client sends). Waiting for
    /// the lookup on the loop, the service runs Mark first; a blocking
    /// lookup runs WhoAmI first (it reads and queues Mark while it waits).
    @Test func laterCallsAreServedWhileTheLookupWaits() throws {
        let bus = try PrivateBus()
        let loop = try EventLoop()
        let service = try DBusConnection.bus(address: bus.address, loop: loop)
        var order: [String] = []
        var uid: UInt32?
        let methods = [
            DBusMethod("WhoAmI", needsCallerUID: true) { call in
                order.append("WhoAmI")
                uid = call.callerUID
                return []
            },
            DBusMethod("Mark") { _ in
                order.append("Mark")
                return []
            },
        ]
        service.export(DBusObject(path: "/test", interfaces: [DBusInterface("org.example.Order", methods: methods)]))
        let client = try DBusConnection.bus(address: bus.address, loop: loop)
        kill(bus.pid, SIGSTOP)
        for member in ["WhoAmI", "Mark"] {
            let message = try #require(
                dbus_message_new_method_call(service.uniqueName, "/test", "org.example.Order", member))
            dbus_message_set_no_reply(message, 1)
            #expect(dbus_connection_send(client.raw, message, nil) != 0)
            dbus_message_unref(message)
        }
        dbus_connection_flush(client.raw)
        kill(bus.pid, SIGCONT)
        // A hang guard, not a timing.
        let deadline = loop.now + .seconds(10)
        while order.count < 2, loop.now < deadline { try loop.runOnce(maximumWait: .milliseconds(50)) }
        #expect(order == ["Mark", "WhoAmI"])
        #expect(uid == getuid())
        client.close()
        service.close()
    }
}
