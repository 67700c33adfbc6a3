import SSTPCrypto
import SSTPPlatform
import SSTPTLS
import Synchronization

/// Runs OpenSSL's one-time set-up (TLSLibrary, CryptoLibrary) on a thread
/// of its own, so that a process about to connect does it on a second core
/// while it parses its arguments, resolves and connects TCP. `wait` joins
/// the thread; call it before the process exits, or OpenSSL's exit handler
/// could run while the thread is still inside OpenSSL.
public final class LibraryWarmUp: Sendable {
    private let thread: Mutex<OSThread?>

    /// Starts the thread; if it cannot start, nothing is warmed and the
    /// connection does the set-up itself, as it would anyway.
    public init() {
        thread = Mutex(
            try? OSThread.start {
                TLSLibrary.warmUp()
                CryptoLibrary.warmUp()
            })
    }

    /// Waits for the set-up to finish; later calls return at once.
    public func wait() {
        thread.withLock { t -> OSThread? in
            defer { t = nil }
            return t
        }?.join()
    }

    deinit {
        wait()
    }
}
