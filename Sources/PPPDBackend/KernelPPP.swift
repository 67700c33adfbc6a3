import Glibc

/// Whether this host has kernel PPP, which the pppd backend needs.
enum KernelPPP {
    /// The advice when kernel PPP is missing.
    static func missing(_ what: String) -> String {
        "\(what). The pppd backend (backend pppd) needs kernel PPP (the ppp_generic module and "
            + "/dev/ppp): load it with modprobe ppp_generic ppp_async, or use the built-in backend "
            + "(backend userspace, the default), which needs none"
    }

    /// What is wrong with kernel PPP, from the errno of opening /dev/ppp
    /// (nil: it opened), the way pppd itself checks (sys-linux.c
    /// ppp_available). Pure, for the tests; `problem()` probes.
    static func problem(openErrno: Int32?) -> String? {
        guard let error = openErrno else { return nil }
        switch error {
        case ENOENT:
            return missing("/dev/ppp does not exist")
        case ENODEV, ENXIO:
            return missing("/dev/ppp has no driver behind it")
        case EACCES, EPERM:
            return "cannot open /dev/ppp (\(String(cString: strerror(error)))): the pppd backend needs root"
        default:
            return missing("cannot open /dev/ppp (\(String(cString: strerror(error))))")
        }
    }

    /// Opens and closes /dev/ppp: a problem is found before connecting.
    static func problem() -> String? {
        let fd = open("/dev/ppp", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return problem(openErrno: errno) }
        close(fd)
        return nil
    }
}
