import CXMLFuzz
import FeedModel
import FeedRender

/// libFuzzer entry: arbitrary bytes become the fields of an entry (split on
/// NUL), are rendered as Atom, and the feed must parse back with libxml2 with
/// the title intact (minus the characters XML forbids). The body's HTML
/// (cmark-gfm, then the sanitiser) must also be well-formed on its own, as
/// readers that parse content strictly need it, and never hold a script.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
    var entry = Entry(key: EntryKey(sanitizing: part(0).isEmpty ? "k" : part(0)), kind: size % 2 == 0 ? .publication : .job,
                      title: part(1).isEmpty ? "t" : part(1), source: "fuzz.md")
    entry.body = part(2)
    entry.link = part(3).isEmpty ? nil : part(3)
    entry.authors = part(4).split(separator: ",").map(String.init)
    entry.tags = part(5).split(separator: ",").map(String.init)
    entry.team = part(6).isEmpty ? nil : part(6)
    entry.location = Location(parsing: part(7))
    let site = Site(title: "Fuzz", baseURL: "https://fuzz.example/", tagAuthority: "fuzz.example,2026", author: "Fuzz")
    let feed = FeedSpec(name: "f", file: "f.atom", kind: entry.kind, title: "F")
    let html = HTMLContent.render(markdown: entry.body, baseURL: site.baseURL)
    let item = FeedItem(entry: entry, published: Timestamp(seconds: Int64(size) * 86_400), updated: Timestamp(seconds: Int64(size) * 86_400),
                        contentHTML: html)
    guard let rendered = try? AtomWriter(site: site).render(feed, items: [item]) else { return 0 }
    if !parses(rendered) {
        fatalError("rendered feed does not parse:\n" + String(decoding: rendered, as: UTF8.self))
    }
    if !parses(Array("<div>\(html)</div>".utf8)) || html.lowercased().contains("<script") {
        fatalError("body HTML is not well-formed or holds a script:\n" + html)
    }
    return 0
}

/// Whether libxml2 reads `bytes` as a well-formed XML document.
private func parses(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
            guard let base = chars.baseAddress, let doc = xmlReadMemory(base, Int32(chars.count), "fuzz.xml", nil, options) else { return false }
            xmlFreeDoc(doc)
            return true
        }
    }
}
