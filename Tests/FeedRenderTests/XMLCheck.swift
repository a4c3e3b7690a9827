import Foundation
@preconcurrency import CLibXML2
@testable import FeedRender

/// Parses rendered bytes back with libxml2, as a feed reader would, and
/// answers XPath questions about them.
final class ParsedFeed {
    let doc: xmlDocPtr
    let errors: [String]

    init?(_ bytes: [UInt8]) {
        LibXML2.ready()  // tests parse on many threads at once
        let doc = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlReadMemory($0, Int32(buf.count), "feed.atom", nil, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
            }
        }
        guard let doc else { return nil }
        self.doc = doc
        self.errors = []
    }

    deinit { xmlFreeDoc(doc) }

    /// String values of every node matching `xpath` (prefix `a:` is Atom, `dc:` Dublin Core).
    func strings(_ xpath: String) -> [String] {
        guard let ctx = xmlXPathNewContext(doc) else { return [] }
        defer { xmlXPathFreeContext(ctx) }
        for (prefix, uri) in [("a", "http://www.w3.org/2005/Atom"), ("dc", "http://purl.org/dc/elements/1.1/")] {
            _ = prefix.withCString { p in uri.withCString { u in
                xmlXPathRegisterNs(ctx, UnsafeRawPointer(p).assumingMemoryBound(to: xmlChar.self), UnsafeRawPointer(u).assumingMemoryBound(to: xmlChar.self))
            } }
        }
        guard let result = xpath.withCString({ xmlXPathEvalExpression(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self), ctx) }) else { return [] }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval else { return [] }
        var out: [String] = []
        for i in 0..<Int(set.pointee.nodeNr) {
            guard let node = set.pointee.nodeTab[i], let content = xmlNodeGetContent(node) else { continue }
            out.append(String(cString: content))
            free(content)
        }
        return out
    }

    /// Validates against RFC 4287's RELAX NG schema (../shared/schema/atom.rng); nil when valid.
    func relaxNGErrors(schema path: String) -> String? {
        guard let pctx = xmlRelaxNGNewParserCtxt(path) else { return "cannot read schema \(path)" }
        defer { xmlRelaxNGFreeParserCtxt(pctx) }
        guard let schema = xmlRelaxNGParse(pctx) else { return "cannot parse schema \(path)" }
        defer { xmlRelaxNGFree(schema) }
        guard let vctx = xmlRelaxNGNewValidCtxt(schema) else { return "cannot validate" }
        defer { xmlRelaxNGFreeValidCtxt(vctx) }
        let rc = xmlRelaxNGValidateDoc(vctx, doc)
        return rc == 0 ? nil : "RELAX NG validation failed (\(rc))"
    }
}

enum Paths {
    /// The shared tools: `FEEDD_SHARED` (`make check SHARED=DIR` sets it), else ../shared beside the repository root.
    static var shared: String {
        if let dir = ProcessInfo.processInfo.environment["FEEDD_SHARED"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path
    }
}
