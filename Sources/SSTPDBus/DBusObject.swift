/// A D-Bus error: its name (e.g. "org.freedesktop.DBus.Error.AccessDenied")
/// and a message for people.
public struct DBusError: Error, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var message: String

    public init(_ name: String, _ message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name): \(message)" }

    public static func invalidArgs(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.InvalidArgs", message)
    }

    public static func accessDenied(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.AccessDenied", message)
    }

    public static func unknownMethod(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownMethod", message)
    }

    public static func unknownProperty(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.UnknownProperty", message)
    }

    public static func failed(_ message: String) -> DBusError {
        DBusError("org.freedesktop.DBus.Error.Failed", message)
    }
}

/// A method call as a handler sees it.
public struct DBusMethodCall {
    public var sender: String
    public var path: String
    public var interface: String
    public var member: String
    public var arguments: [DBusValue]
    /// The caller's Unix user id, for a method declared `needsCallerUID`:
    /// asked of the bus without blocking before the handler runs (nil when
    /// unknown, and for other methods).
    public var callerUID: UInt32?
    /// Takes over the reply: the handler's return value is then ignored and
    /// the reply goes out when the returned object's `send` is called.
    public var deferReply: () -> DBusDeferredReply = { DBusDeferredReply() }
}

/// A named, typed argument (for introspection).
public struct DBusArgument: Sendable {
    public var name: String
    public var signature: String

    public init(_ name: String, _ signature: String) {
        self.name = name
        self.signature = signature
    }
}

public struct DBusMethod {
    public var name: String
    public var inArguments: [DBusArgument]
    public var outArguments: [DBusArgument]
    /// Throwing a DBusError replies with it; any other error replies Failed.
    public var handler: (DBusMethodCall) throws -> [DBusValue]
    /// The handler reads `callerUID`: the dispatch asks the bus for it
    /// (GetConnectionUnixUser, a pending call: the event loop goes on
    /// meanwhile) and runs the handler when the answer arrives.
    public var needsCallerUID: Bool

    public init(
        _ name: String, in inArguments: [DBusArgument] = [], out outArguments: [DBusArgument] = [],
        needsCallerUID: Bool = false, handler: @escaping (DBusMethodCall) throws -> [DBusValue]
    ) {
        self.name = name
        self.inArguments = inArguments
        self.outArguments = outArguments
        self.needsCallerUID = needsCallerUID
        self.handler = handler
    }

    var inSignature: String { inArguments.map(\.signature).joined() }
}

public struct DBusSignal: Sendable {
    public var name: String
    public var arguments: [DBusArgument]

    public init(_ name: String, _ arguments: [DBusArgument] = []) {
        self.name = name
        self.arguments = arguments
    }
}

public struct DBusProperty {
    public var name: String
    public var signature: String
    public var get: () -> DBusValue
    /// nil: read-only.
    public var set: ((DBusValue) throws -> Void)?
    /// Whether changes are announced with PropertiesChanged.
    public var emitsChange: Bool

    public init(
        _ name: String, _ signature: String, emitsChange: Bool = true, get: @escaping () -> DBusValue,
        set: ((DBusValue) throws -> Void)? = nil
    ) {
        self.name = name
        self.signature = signature
        self.get = get
        self.set = set
        self.emitsChange = emitsChange
    }
}

/// One interface: its methods, signals and properties, from which dispatch
/// and the introspection XML are both derived.
public struct DBusInterface {
    public var name: String
    public var methods: [DBusMethod]
    public var signals: [DBusSignal]
    public var properties: [DBusProperty]

    public init(
        _ name: String, methods: [DBusMethod] = [], signals: [DBusSignal] = [], properties: [DBusProperty] = []
    ) {
        self.name = name
        self.methods = methods
        self.signals = signals
        self.properties = properties
    }
}

/// What is exported at one object path.
public final class DBusObject {
    public let path: String
    public var interfaces: [DBusInterface]

    public init(path: String, interfaces: [DBusInterface]) {
        self.path = path
        self.interfaces = interfaces
    }

    func interface(_ name: String) -> DBusInterface? {
        interfaces.first { $0.name == name }
    }
}

/// Introspection XML (D-Bus specification, "Introspection Data Format").
public enum DBusIntrospection {
    public static let header =
        "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
        + " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"

    public static func xml(for object: DBusObject?, children: [String]) -> String {
        var out = header + "<node>\n"
        out += standardInterfaces
        for iface in object?.interfaces ?? [] {
            out += xml(for: iface)
        }
        for child in children {
            out += "  <node name=\"\(escape(child))\"/>\n"
        }
        return out + "</node>\n"
    }

    /// The XML of one interface alone, as committed under dbus/.
    public static func xml(for iface: DBusInterface) -> String {
        var out = "  <interface name=\"\(escape(iface.name))\">\n"
        for m in iface.methods {
            if m.inArguments.isEmpty && m.outArguments.isEmpty {
                out += "    <method name=\"\(escape(m.name))\"/>\n"
                continue
            }
            out += "    <method name=\"\(escape(m.name))\">\n"
            for a in m.inArguments {
                out += "      <arg name=\"\(escape(a.name))\" type=\"\(escape(a.signature))\" direction=\"in\"/>\n"
            }
            for a in m.outArguments {
                out += "      <arg name=\"\(escape(a.name))\" type=\"\(escape(a.signature))\" direction=\"out\"/>\n"
            }
            out += "    </method>\n"
        }
        for s in iface.signals {
            out += "    <signal name=\"\(escape(s.name))\">\n"
            for a in s.arguments {
                out += "      <arg name=\"\(escape(a.name))\" type=\"\(escape(a.signature))\"/>\n"
            }
            out += "    </signal>\n"
        }
        for p in iface.properties {
            let access = p.set == nil ? "read" : "readwrite"
            out += "    <property name=\"\(escape(p.name))\" type=\"\(escape(p.signature))\" access=\"\(access)\""
            if !p.emitsChange {
                out +=
                    ">\n      <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"false\"/>\n"
                out += "    </property>\n"
            } else {
                out += "/>\n"
            }
        }
        return out + "  </interface>\n"
    }

    static let standardInterfaces = """
          <interface name="org.freedesktop.DBus.Introspectable">
            <method name="Introspect">
              <arg name="xml_data" type="s" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Peer">
            <method name="Ping"/>
            <method name="GetMachineId">
              <arg name="machine_uuid" type="s" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Properties">
            <method name="Get">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="property_name" type="s" direction="in"/>
              <arg name="value" type="v" direction="out"/>
            </method>
            <method name="GetAll">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="props" type="a{sv}" direction="out"/>
            </method>
            <method name="Set">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="property_name" type="s" direction="in"/>
              <arg name="value" type="v" direction="in"/>
            </method>
            <signal name="PropertiesChanged">
              <arg name="interface_name" type="s"/>
              <arg name="changed_properties" type="a{sv}"/>
              <arg name="invalidated_properties" type="as"/>
            </signal>
          </interface>

        """

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
