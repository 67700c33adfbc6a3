import Glibc

/// The claim file of one NetworkConfigurator under /run/sstp/routes: the
/// routes it added outside its TUN, written before each is added. Routes
/// through the TUN go away with it when a client dies; the host route to
/// the server goes through the physical interface and would stay for good.
/// The next start reads the claims of owners that no longer run (in the same
/// network namespace) and removes their routes: they carry our rtnetlink
/// protocol number (RouteNetlink.protocolNumber), so nothing else matches.
public final class RouteClaims {
    public static let defaultDirectory = "/run/sstp/routes"
    public let directory: String
    public private(set) var path = ""
    private var file: RouteClaimFile

    public init(directory: String = defaultDirectory) throws(SystemError) {
        guard let me = ProcessIdentity.current() else { throw SystemError("reading /proc/self", errno: EIO) }
        self.directory = directory
        file = RouteClaimFile(pid: me.pid, startTime: me.startTime, namespace: me.namespace)
        // One file per configurator: one process may run several tunnels.
        let suffix = String(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()), radix: 16)
        path = "\(directory)/\(me.pid)-\(suffix)"
    }

    public func add(_ route: RouteClaim) throws(SystemError) {
        file.routes.append(route)
        try write()
    }

    public func remove(_ route: RouteClaim) {
        if let index = file.routes.firstIndex(of: route) { file.routes.remove(at: index) }
        if file.routes.isEmpty {
            unlink(path)
        } else {
            try? write()
        }
    }

    private func write() throws(SystemError) {
        try Self.makeDirectory(directory)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SystemError("open \(temporary)") }
        let bytes = Array(file.text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            let error = SystemError("write \(path)")
            unlink(temporary)
            throw error
        }
    }

    /// Makes the directory and its parent (root's, mode 0755) and checks it
    /// is a real directory of ours, not a link someone else planted.
    static func makeDirectory(_ path: String) throws(SystemError) {
        var parents: [String] = []
        var current = path
        while let slash = current.lastIndex(of: "/"), slash != current.startIndex {
            parents.insert(current, at: 0)
            current = String(current[..<slash])
        }
        for directory in parents where mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw SystemError("mkdir \(directory)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw SystemError("stat \(path)") }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else {
            throw SystemError("\(path) is not a directory owned by this user", errno: EPERM)
        }
    }

    /// What a start finds in `directory`: the claims whose owner no longer
    /// runs, in this network namespace (their routes to remove); every route
    /// a running owner claims (those stay even if a dead one claimed them
    /// too); the claims of dead owners in namespaces that no longer exist
    /// (their routes went with the namespace: only the file is left); and
    /// files that are not claims.
    public struct Scan {
        public var stale: [(path: String, file: RouteClaimFile)] = []
        public var live = Set<RouteClaim>()
        public var orphaned: [String] = []
        public var malformed: [String] = []
    }

    public static func stale(
        directory: String = defaultDirectory, namespaces existing: () -> Set<UInt64>? = existingNamespaces
    ) -> Scan {
        var scan = Scan()
        guard let me = ProcessIdentity.current(), let names = listDirectory(directory) else { return scan }
        var namespaces: Set<UInt64>??
        for name in names {
            let path = "\(directory)/\(name)"
            guard let text = readSmallFile(path) else { continue }
            let file: RouteClaimFile
            do {
                file = try RouteClaimFile(parsing: text)
            } catch {
                scan.malformed.append("\(path): \(error)")
                continue
            }
            if ProcessIdentity.startTime(of: file.pid) == file.startTime {
                scan.live.formUnion(file.routes)
            } else if file.namespace == me.namespace {
                scan.stale.append((path, file))
            } else {
                let known = namespaces ?? existing()
                namespaces = known
                if let known, !known.contains(file.namespace) { scan.orphaned.append(path) }
            }
        }
        return scan
    }

    /// The network namespaces that exist: those of running processes and
    /// those named under /run/netns (`ip netns add` keeps one there without
    /// a process). nil when some process's namespace cannot be read (a
    /// sandbox): then none counts as gone.
    public static func existingNamespaces() -> Set<UInt64>? {
        var found = Set<UInt64>()
        var info = stat()
        for name in listDirectory("/run/netns") ?? [] where stat("/run/netns/\(name)", &info) == 0 {
            found.insert(UInt64(info.st_ino))
        }
        for name in listDirectory("/proc") ?? [] where name.first?.isNumber == true {
            if stat("/proc/\(name)/ns/net", &info) == 0 {
                found.insert(UInt64(info.st_ino))
            } else if errno != ENOENT && errno != ESRCH {
                return nil
            }
        }
        return found
    }

    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// A claim file's text, at most 64 KiB (a claim holds a few lines).
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0, n < bytes.count else { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }
}

/// A process as a claim names it: PID, start time (field 22 of
/// /proc/PID/stat, so a reused PID is another process) and network namespace.
struct ProcessIdentity {
    var pid: Int32
    var startTime: UInt64
    var namespace: UInt64

    static func current() -> ProcessIdentity? {
        let pid = getpid()
        var info = stat()
        guard let start = startTime(of: pid), stat("/proc/self/ns/net", &info) == 0 else { return nil }
        return ProcessIdentity(pid: pid, startTime: start, namespace: UInt64(info.st_ino))
    }

    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = RouteClaims.readSmallFile("/proc/\(pid)/stat"),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name start at field 3 (proc(5)).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
