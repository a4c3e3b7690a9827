import CLibXML2

extension XMLWriter {
    /// Closes the open element with an explicit end tag even when it is
    /// empty: `<p></p>`, never `<p/>`, which HTML parsers read as an open tag.
    func fullEnd() throws(RenderError) {
        if xmlTextWriterFullEndElement(writer) < 0 { throw RenderError(call: "xmlTextWriterFullEndElement") }
    }

    /// Writes markup as it is (only for constant, trusted text such as a doctype).
    func raw(_ markup: String) throws(RenderError) {
        let rc = markup.withXMLChar { xmlTextWriterWriteRaw(writer, $0) }
        if rc < 0 { throw RenderError(call: "xmlTextWriterWriteRaw") }
    }
}
