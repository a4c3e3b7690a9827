import CXMLFuzz
import FeedModel
import FeedRender

/// libFuzzer entry: arbitrary bytes become the fields of an entry (split on
/// NUL), are rendered as Atom, and the feed must parse back with libxml2 with
/// the title intact (minus the characters XML forbids).
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
    let item = FeedItem(entry: entry, published: Timestamp(seconds: Int64(size) * 86_400), updated: Timestamp(seconds: Int64(size) * 86_400))
    guard let rendered = try? AtomWriter(site: site).render(feed, items: [item]) else { return 0 }
    let ok = rendered.withUnsafeBufferPointer { buffer -> Bool in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
            guard let doc = xmlReadMemory(pointer, Int32(buffer.count), "fuzz.atom", nil, options) else { return false }
            xmlFreeDoc(doc)
            return true
        }
    }
    if !ok {
        fatalError("rendered feed does not parse:\n" + String(decoding: rendered, as: UTF8.self))
    }
    return 0
}
