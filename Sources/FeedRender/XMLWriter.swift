import CLibXML2

/// A failure inside libxml2's writer, naming the call.
public struct RenderError: Error, CustomStringConvertible {
    public var call: String
    public var description: String { "libxml2 \(call) failed" }
}

/// libxml2's one-time setup (its encoding handlers, dictionaries, thread
/// keys). `xmlInitParser` is not reentrant and must run before libxml2 is
/// used from several threads at once: every entry point into libxml2 here
/// calls `ready()` first, so the setup runs once, before any of them.
enum LibXML2 {
    private static let initialized: Void = { xmlInitParser() }()

    static func ready() { _ = initialized }
}

/// A thin, scoped wrapper over libxml2's `xmlTextWriter` writing to memory.
///
/// Every string is sanitised (`XMLText.sanitize`) before it reaches
/// libxml2; callers never see a C pointer.
final class XMLWriter {
    private let buffer: xmlBufferPtr
    let writer: xmlTextWriterPtr

    init() throws(RenderError) {
        LibXML2.ready()
        guard let buffer = xmlBufferCreate() else { throw RenderError(call: "xmlBufferCreate") }
        guard let writer = xmlNewTextWriterMemory(buffer, 0) else {
            xmlBufferFree(buffer)
            throw RenderError(call: "xmlNewTextWriterMemory")
        }
        self.buffer = buffer
        self.writer = writer
        xmlTextWriterSetIndent(writer, 1)
        _ = "  ".withXMLChar { xmlTextWriterSetIndentString(writer, $0) }
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    func startDocument() throws(RenderError) {
        try check(xmlTextWriterStartDocument(writer, "1.0", "utf-8", nil), "xmlTextWriterStartDocument")
    }

    /// Writes `<?name value?>`, e.g. an `xml-stylesheet` instruction.
    func processingInstruction(_ name: String, _ value: String) throws(RenderError) {
        let rc = name.withXMLChar { n in value.withXMLChar { v in xmlTextWriterWritePI(writer, n, v) } }
        try check(rc, "xmlTextWriterWritePI")
    }

    func start(_ name: String) throws(RenderError) {
        try check(name.withXMLChar { xmlTextWriterStartElement(writer, $0) }, "xmlTextWriterStartElement(\(name))")
    }

    func end() throws(RenderError) {
        try check(xmlTextWriterEndElement(writer), "xmlTextWriterEndElement")
    }

    func attribute(_ name: String, _ value: String) throws(RenderError) {
        let clean = XMLText.sanitize(value)
        let rc = name.withXMLChar { n in clean.withXMLChar { v in xmlTextWriterWriteAttribute(writer, n, v) } }
        try check(rc, "xmlTextWriterWriteAttribute(\(name))")
    }

    func text(_ value: String) throws(RenderError) {
        let clean = XMLText.sanitize(value)
        try check(clean.withXMLChar { xmlTextWriterWriteString(writer, $0) }, "xmlTextWriterWriteString")
    }

    /// Plain text with `&`, `<` and `>` written as hexadecimal character
    /// references (`&#x26;`, `&#x3C;`, `&#x3E;`): the RSS Best Practices
    /// Profile's encoding for elements that hold plain text, which the most
    /// aggregators read as text rather than as markup.
    func characterData(_ value: String) throws(RenderError) {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in XMLText.sanitize(value).unicodeScalars {
            switch scalar {
            case "&": escaped += "&#x26;"
            case "<": escaped += "&#x3C;"
            case ">": escaped += "&#x3E;"
            case "\r": escaped += "&#xD;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        try check(escaped.withXMLChar { xmlTextWriterWriteRaw(writer, $0) }, "xmlTextWriterWriteRaw")
    }

    /// `<name attr="…">text</name>` in one call.
    func element(_ name: String, _ value: String, attributes: [(String, String)] = []) throws(RenderError) {
        try start(name)
        for (k, v) in attributes { try attribute(k, v) }
        try text(value)
        try end()
    }

    /// `<name attr="…"/>`.
    func empty(_ name: String, attributes: [(String, String)]) throws(RenderError) {
        try start(name)
        for (k, v) in attributes { try attribute(k, v) }
        try end()
    }

    /// Ends the document and returns its bytes.
    func finish() throws(RenderError) -> [UInt8] {
        try check(xmlTextWriterEndDocument(writer), "xmlTextWriterEndDocument")
        try check(xmlTextWriterFlush(writer), "xmlTextWriterFlush")
        let count = Int(xmlBufferLength(buffer))
        guard count > 0, let content = xmlBufferContent(buffer) else { return [] }
        var bytes = Array(UnsafeBufferPointer(start: content, count: count))
        if bytes.last != 0x0A { bytes.append(0x0A) }
        return bytes
    }

    /// The call's name is made only when it failed (every element and
    /// attribute of every feed passes here).
    private func check(_ rc: Int32, _ call: @autoclosure () -> String) throws(RenderError) {
        if rc < 0 { throw RenderError(call: call()) }
    }
}

extension String {
    /// Calls `body` with this string as a NUL-terminated `xmlChar*`.
    func withXMLChar<R>(_ body: (UnsafePointer<xmlChar>) throws -> R) rethrows -> R {
        try withCString { cString in
            try cString.withMemoryRebound(to: xmlChar.self, capacity: utf8.count + 1) { try body($0) }
        }
    }
}
