public import SSTPCall

extension ClientOptions {
    /// The reconnect policy's settings from the `reconnect` and
    /// `reconnect-limit` options.
    public var reconnectSettings: ReconnectPolicy.Settings {
        ReconnectPolicy.Settings(enabled: reconnect, limit: reconnectLimit)
    }
}
