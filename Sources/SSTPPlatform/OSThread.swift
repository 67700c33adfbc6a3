import Glibc

/// A POSIX thread that runs one closure, for the few jobs that must stay
/// off the event loop: a blocking name lookup, a library's one-time set-up.
public struct OSThread: Sendable {
    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let id: pthread_t

    /// Starts `body` on a new thread. Join or detach the result.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(SystemError) -> OSThread {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var id = pthread_t()
        let rc = pthread_create(
            &id, nil,
            { context in
                guard let context else { return nil }
                Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemError("pthread_create", errno: rc)
        }
        return OSThread(id: id)
    }

    /// Waits for the thread to end.
    public func join() {
        pthread_join(id, nil)
    }

    /// Lets the thread end on its own.
    public func detach() {
        pthread_detach(id)
    }
}
