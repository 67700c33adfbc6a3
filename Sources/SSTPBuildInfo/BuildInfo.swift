import CSSTPBuildInfo

/// What `sstp --version` and `sstp-service --version` print.
public enum BuildInfo {
    /// The release version (packaging/build-deb.sh reads it from --version).
    public static let version = "0.1.0"

    /// The git commit baked in by `make` ("unknown" without git).
    public static var commit: String { String(cString: sstp_build_commit()) }

    /// "0.1.0 (commit 0123456789ab)".
    public static var versionLine: String { "\(version) (commit \(commit))" }
}
