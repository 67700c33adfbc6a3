import Glibc
import SSTPPlatform
import Synchronization

/// Client contexts kept per configuration, so that a connect does not make
/// an SSL_CTX and load its trust store again (about 0.5-1.5 ms with a CA
/// file, tens of milliseconds or more with the whole system bundle): the
/// service makes one per configuration, and `sstp connect` builds its one on
/// another thread while it connects TCP (`prefetch`).
///
/// A context is reused only while the files it loaded are unchanged (same
/// device, inode, size and modification time): a CA file replaced on disk
/// is read again at the next connect.
public final class TLSClientContextCache: Sendable {
    /// The process's cache.
    public static let shared = TLSClientContextCache()

    /// A configuration and what its files were when its context was made.
    struct Key: Hashable, Sendable {
        var configuration: TLSClientConfiguration
        var system: SystemTrustStore?
        var files: [FileStamp?]
    }

    struct FileStamp: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var modifiedNanoseconds: Int

        init?(_ path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int64(st.st_size)
            modified = Int64(st.st_mtim.tv_sec)
            modifiedNanoseconds = st.st_mtim.tv_nsec
        }
    }

    private struct State: ~Copyable {
        var contexts: [Key: TLSClientContext] = [:]
        var building: [Key: OSThread] = [:]
    }

    /// Contexts kept at most; the oldest configurations go first.
    static let capacity = 8
    private let state = Mutex(State())
    private let systemTrust: @Sendable () -> SystemTrustStore

    init(systemTrust: @escaping @Sendable () -> SystemTrustStore = { .current }) {
        self.systemTrust = systemTrust
    }

    /// The context for `configuration`: a kept one if its files are
    /// unchanged, the one `prefetch` is building (waited for), or a new
    /// one, kept for next time.
    public func context(for configuration: TLSClientConfiguration) throws(TLSError) -> TLSClientContext {
        let key = key(for: configuration)
        let (found, thread) = state.withLock { s in (s.contexts[key], s.building.removeValue(forKey: key)) }
        // A prefetch of this configuration is joined even when it is done.
        thread?.join()
        if let found { return found }
        if thread != nil, let built = state.withLock({ $0.contexts[key] }) { return built }
        let made = try TLSClientContext(configuration, systemTrust: key.system ?? systemTrust())
        keep(made, for: key)
        return made
    }

    /// Starts building the context for `configuration` on a thread of its
    /// own; `context(for:)` then takes it. A failure is not kept: the
    /// connect makes the context itself and reports the error.
    public func prefetch(_ configuration: TLSClientConfiguration) {
        let key = key(for: configuration)
        state.withLock { s in
            guard s.contexts[key] == nil, s.building[key] == nil else { return }
            let trust = key.system ?? systemTrust()
            s.building[key] = try? OSThread.start { [self] in
                if let made = try? TLSClientContext(configuration, systemTrust: trust) { keep(made, for: key) }
            }
        }
    }

    /// Waits for every `prefetch` still running (before the process exits,
    /// so that OpenSSL's exit handler never meets one).
    public func waitForPrefetches() {
        let threads = state.withLock { s in
            defer { s.building.removeAll() }
            return Array(s.building.values)
        }
        for thread in threads { thread.join() }
    }

    /// Drops every kept context.
    public func removeAll() {
        state.withLock { $0.contexts.removeAll() }
    }

    /// How many contexts are kept (for tests).
    var count: Int { state.withLock { $0.contexts.count } }

    private func keep(_ context: TLSClientContext, for key: Key) {
        state.withLock { s in
            // Older stamps of the same configuration are stale now.
            for old in s.contexts.keys where old.configuration == key.configuration { s.contexts[old] = nil }
            if s.contexts.count >= Self.capacity { s.contexts.removeAll() }
            s.contexts[key] = context
        }
    }

    private func key(for configuration: TLSClientConfiguration) -> Key {
        var files: [String] = []
        var system: SystemTrustStore?
        switch configuration.trust {
        case .system:
            let store = systemTrust()
            system = store
            files = [store.file, store.directory] + [store.fileOverride, store.directoryOverride].compactMap { $0 }
        case .caFile(let path):
            files = [path]
        }
        if let extra = configuration.extraCAFile { files.append(extra) }
        return Key(configuration: configuration, system: system, files: files.map(FileStamp.init))
    }
}
