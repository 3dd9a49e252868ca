import Plot

/// HTML written straight into a string, for the two things Plot does not do for us:
///
/// - **Attribute values.** Plot writes an attribute's value between quotes as it is given, unescaped. Anything in an
///   attribute that did not come from Rapport's own code (a name, a refused form's draft, a query's value) goes
///   through `Markup.attribute`, or a `"` in it would end the attribute and what follows would be markup.
/// - **Long lists.** Plot builds a tree of closures and escapes text a character at a time: about two thirds of a
///   100-client caseload page's time went there (`perf record` under `scripts/bench --at-size`). The caseload's rows
///   are written with `Markup.Builder` instead, whose text escaping copies whole runs of plain UTF-8 at once.
enum Markup {
    /// Text for an attribute value or an element's content: the five XML specials escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return out
    }

    /// Text for an element's content: quotes left as they are (see `append`).
    static func escapeText(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out, quotes: false)
        return out
    }

    /// The same, for a value going into a Plot attribute (which doesn't escape it).
    static func attribute(_ value: String) -> String { escape(value) }

    /// Appends `text` escaped: runs without a special character are copied whole. Quotes are escaped unless
    /// `quotes` is false (an element's content, where they are harmless and Plot leaves them too, so a page reads
    /// the same whichever wrote it).
    static func append(_ text: String, to out: inout String, quotes: Bool = true) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let replacement: String
                switch bytes[index] {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\"") where quotes: replacement = "&quot;"
                case UInt8(ascii: "'") where quotes: replacement = "&#39;"
                default: continue
                }
                if runStart < index { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self) }
                out += replacement
                runStart = index + 1
            }
            if runStart < bytes.count { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart...]), as: UTF8.self) }
        }
    }

    /// Markup built by appending: literal markup from the code, and every text and attribute value escaped.
    struct Builder {
        private(set) var html = ""

        init(capacity: Int = 0) { html.reserveCapacity(capacity) }

        mutating func text(_ text: String) { Markup.append(text, to: &html, quotes: false) }

        /// Markup Plot has already rendered (and escaped).
        mutating func append(rendered markup: String) { html += markup }

        /// An attribute's value, escaped (the caller writes the quotes around it).
        mutating func value(_ value: String) { Markup.append(value, to: &html) }

        /// Markup as written in the code, never from outside: tags, attribute names, fixed words.
        mutating func raw(_ markup: StaticString) {
            markup.withUTF8Buffer { html += String(decoding: $0, as: UTF8.self) }
        }

        /// `<tag>text</tag>`.
        mutating func element(_ tag: StaticString, text: String) {
            html += "<"
            html += tag.description
            html += ">"
            Markup.append(text, to: &html, quotes: false)
            html += "</"
            html += tag.description
            html += ">"
        }

        func node<Context>() -> Node<Context> { .raw(html) }
    }

    /// A table of text: a header row and rows of cells, each escaped. A chart's numbers run to a row per session.
    static func table<Context>(headers: [String], rows: [[String]]) -> Node<Context> {
        var out = Builder(capacity: 64 * (rows.count + 1) * max(1, headers.count))
        out.raw("<table><thead><tr>")
        for header in headers { out.element("th", text: header) }
        out.raw("</tr></thead><tbody>")
        for row in rows {
            out.raw("<tr>")
            for cell in row { out.element("td", text: cell) }
            out.raw("</tr>")
        }
        out.raw("</tbody></table>")
        return out.node()
    }
}

extension Node {
    /// Text, escaped: what Plot's `.text` writes, for text written by Rapport or anyone else. Plot escapes a
    /// character at a time, building a string per character (a twentieth of a record page's CPU, `perf record`);
    /// this copies runs of plain UTF-8 whole. One difference, on purpose: Plot leaves an `&` that begins something
    /// shaped like an entity (`&amp;`, `&#39;`) as it is, so a client who types "&lt;" would see "<"; here every `&`
    /// is escaped, and what was typed is what is shown.
    static func plain(_ text: String) -> Node { .raw(Markup.escapeText(text)) }
}
