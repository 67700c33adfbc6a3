/// Timers on an event loop, one per key: setting a key replaces its
/// timer, and a timer that fired is forgotten before its body runs.
public final class KeyedTimers<Key: Hashable> {
    private let loop: EventLoop
    private var ids: [Key: EventLoop.TimerID] = [:]

    public init(loop: EventLoop) {
        self.loop = loop
    }

    public func set(_ key: Key, at deadline: Duration, _ body: @escaping () -> Void) {
        cancel(key)
        ids[key] = loop.schedule(at: deadline) { [weak self] in
            self?.ids[key] = nil
            body()
        }
    }

    public func set(_ key: Key, after delay: Duration, _ body: @escaping () -> Void) {
        set(key, at: loop.now + delay, body)
    }

    public func cancel(_ key: Key) {
        if let id = ids.removeValue(forKey: key) { loop.cancel(id) }
    }

    public func cancelAll() {
        for id in ids.values { loop.cancel(id) }
        ids.removeAll()
    }
}
