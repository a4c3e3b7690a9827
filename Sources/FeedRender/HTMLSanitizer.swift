import CLibXML2

/// Rebuilds HTML from libxml2's HTML parse tree, keeping only what a feed
/// reader can show safely.
///
/// - Kept: `p br hr h1–h6 ul ol li blockquote pre code em strong b i del a
///   img table thead tbody tr th td dl dt dd sup sub`, with `a href title`,
///   `img src alt title`, `ol start` (digits), `th/td align`
///   (left, center, right, as GFM tables write it) and `code class`
///   (`language-…`, as a fenced block's info string gives it).
/// - Dropped with everything inside: `script`, `style`, `iframe`, `object`,
///   `svg`, `math`, `template`, form controls that hold text, and the like;
///   comments and processing instructions. (`embed`, being void, has no
///   inside: its tag goes like any other.)
/// - Any other element is unwrapped: its text stays, its tag goes. So is an
///   `a` whose link is not http, https or mailto, and an element where an
///   HTML parser would report an error (a table row outside a table, a link
///   inside a link, a heading inside a heading); an `img` without a usable
///   `src` goes. Text directly inside table structure goes too (a browser
///   would move it out of the table).
/// - Every attribute not listed is dropped: event handlers (`on…`), `style`,
///   `class` (but the one above), `id`, `srcset`….
/// - Links and image sources are made absolute (`LinkTarget`).
///
/// The output is deterministic: lower-case names, attributes in a fixed
/// order, double quotes, `&<>"` escaped, void elements written `<br/>`.
struct HTMLSanitizer {
    var baseURL: String

    static let allowed: Set<String> = [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
        "em", "strong", "b", "i", "del", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
        "sup", "sub",
    ]
    /// Elements whose content is code, styling, embedded documents or form
    /// state, never prose. (Void elements such as `embed` and `input` are
    /// unwrapped instead: libxml2's HTML 4 parser may take an unclosed one
    /// as a container, and dropping it would drop the rest of the body.)
    static let dropped: Set<String> = [
        "script", "style", "iframe", "frame", "frameset", "object", "applet", "svg", "math", "noscript", "noembed",
        "noframes", "template", "head", "title", "textarea", "select", "datalist", "canvas", "audio", "video", "xmp",
        "plaintext", "portal",
    ]
    static let void: Set<String> = ["br", "hr", "img"]
    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]
    /// Which table parts may sit directly inside which.
    static let tableChildren: [String: Set<String>] = [
        "table": ["thead", "tbody", "tr"], "thead": ["tr"], "tbody": ["tr"], "tr": ["th", "td"],
    ]
    static let tableParts: Set<String> = ["thead", "tbody", "tr", "th", "td"]
    /// Deeper than this is hostile, not prose: the rest of such a subtree goes.
    static let maxDepth = 100

    private static let options = Int32(bitPattern: HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
        | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NODEFDTD.rawValue)

    func sanitize(_ html: String) -> String {
        let count = html.utf8.count
        guard count > 0, count < Int(Int32.max) else { return "" }
        LibXML2.ready()
        let parsed = html.withCString { htmlReadMemory($0, Int32(count), nil, "UTF-8", Self.options) }
        guard let doc = parsed else { return "" }
        defer { xmlFreeDoc(doc) }
        var out = Serializer(baseURL: baseURL)
        out.children(of: doc.pointee.children, Context(), depth: 0)
        return out.text.trimmingWhitespace()
    }

    /// Where a node sits in the output tree.
    struct Context {
        /// The nearest kept ancestor.
        var parent: String?
        var inLink = false
        var inHeading = false
        var inPre = false
    }

    struct Serializer {
        let baseURL: String
        var text = ""

        mutating func children(of first: xmlNodePtr?, _ context: Context, depth: Int) {
            var node = first
            while let n = node {
                visit(n, context, depth: depth)
                node = n.pointee.next
            }
        }

        private mutating func visit(_ n: xmlNodePtr, _ context: Context, depth: Int) {
            switch n.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let parent = context.parent, HTMLSanitizer.tableChildren[parent] != nil { return }
                guard let content = n.pointee.content else { return }
                let value = XMLText.sanitize(String(cString: content))
                if !context.inPre, !value.isEmpty, value.allSatisfy(\.isWhitespace) {
                    // Whitespace between blocks (or left by removed elements) is one separator.
                    let separator = value.contains(where: \.isNewline) ? "\n" : " "
                    if !text.hasSuffix(separator) { text += separator }
                } else {
                    text += HTMLContent.escape(value)
                }
            case XML_ELEMENT_NODE:
                element(n, context, depth: depth)
            default:
                return // comments, processing instructions, DTDs, entity declarations
            }
        }

        private mutating func element(_ n: xmlNodePtr, _ context: Context, depth: Int) {
            guard depth < HTMLSanitizer.maxDepth, let rawName = n.pointee.name else { return }
            let name = String(cString: rawName).lowercased()
            if HTMLSanitizer.dropped.contains(name) { return }
            guard HTMLSanitizer.allowed.contains(name), fits(name, in: context) else {
                return children(of: n.pointee.children, context, depth: depth + 1)
            }
            var attributes: [(String, String)] = []
            switch name {
            case "a":
                guard let href = attribute(n, "href").flatMap({ LinkTarget.absolute($0, base: baseURL) }) else {
                    return children(of: n.pointee.children, context, depth: depth + 1)
                }
                attributes.append(("href", href))
                if let title = attribute(n, "title") { attributes.append(("title", title)) }
            case "img":
                guard let src = attribute(n, "src").flatMap({
                    LinkTarget.absolute($0, base: baseURL, schemes: LinkTarget.imageSchemes)
                }) else { return }
                attributes.append(("src", src))
                if let alt = attribute(n, "alt") { attributes.append(("alt", alt)) }
                if let title = attribute(n, "title") { attributes.append(("title", title)) }
            case "ol":
                if let start = attribute(n, "start"), (1...9).contains(start.count), start.allSatisfy(\.isASCIIDigit) {
                    attributes.append(("start", start))
                }
            case "th", "td":
                if let align = attribute(n, "align")?.lowercased(), ["left", "center", "right"].contains(align) {
                    attributes.append(("align", align))
                }
            case "code":
                if let cls = attribute(n, "class"), cls.hasPrefix("language-"), cls.count <= 40,
                   cls.unicodeScalars.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || "-_+#.".unicodeScalars.contains($0) }) {
                    attributes.append(("class", cls))
                }
            default:
                break
            }
            text += "<" + name
            for (key, value) in attributes {
                text += " " + key + "=\"" + HTMLContent.escape(XMLText.singleLine(value)) + "\""
            }
            if HTMLSanitizer.void.contains(name) {
                text += "/>"
                return
            }
            text += ">"
            var inner = context
            inner.parent = name
            inner.inLink = context.inLink || name == "a"
            inner.inHeading = context.inHeading || HTMLSanitizer.headings.contains(name)
            inner.inPre = context.inPre || name == "pre"
            children(of: n.pointee.children, inner, depth: depth + 1)
            text += "</" + name + ">"
        }

        /// Whether an HTML parser would take `name` here without an error.
        private func fits(_ name: String, in context: Context) -> Bool {
            if let parent = context.parent, let permitted = HTMLSanitizer.tableChildren[parent] {
                return permitted.contains(name)
            }
            if HTMLSanitizer.tableParts.contains(name) { return false }
            if name == "a" && context.inLink { return false }
            if HTMLSanitizer.headings.contains(name) && context.inHeading { return false }
            return true
        }

        /// The first attribute called `name` (libxml2 lower-cases HTML attribute names).
        private func attribute(_ n: xmlNodePtr, _ name: String) -> String? {
            var property = n.pointee.properties
            while let p = property {
                if let pname = p.pointee.name, String(cString: pname).lowercased() == name {
                    var value = ""
                    var child = p.pointee.children
                    while let c = child {
                        if let content = c.pointee.content { value += String(cString: content) }
                        child = c.pointee.next
                    }
                    return XMLText.sanitize(value)
                }
                property = p.pointee.next
            }
            return nil
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
