/// Just enough man(7) to write the pages: escaping and a few macros.
struct Roff {
    private(set) var text = ""

    init(name: String, section: Int, title: String) {
        text = ".TH \(Self.escape(name.uppercased())) \(section) \"\" \"sstp\" \"\(Self.escape(title))\"\n"
    }

    /// Escapes backslashes and hyphens, and keeps a line from starting
    /// with a control character.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default: out.append(c)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    mutating func section(_ name: String) { text += ".SH \(name.uppercased())\n" }
    mutating func subsection(_ name: String) { text += ".SS \(Self.escape(name))\n" }
    mutating func paragraph(_ s: String) { text += ".PP\n\(Self.escape(s))\n" }
    mutating func line(_ s: String) { text += Self.escape(s) + "\n" }
    mutating func raw(_ s: String) { text += s + "\n" }

    /// A tagged paragraph: the tag in bold (with an italic value name),
    /// then the body lines.
    mutating func item(bold tag: String, italic value: String? = nil, _ body: [String]) {
        var head = ".TP\n\\fB\(Self.escape(tag))\\fR"
        if let value { head += " \\fI\(Self.escape(value))\\fR" }
        text += head + "\n"
        for (i, b) in body.enumerated() {
            if i > 0 { text += ".br\n" }
            text += Self.escape(b) + "\n"
        }
    }
}
