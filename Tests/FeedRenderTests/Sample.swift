import Foundation
@preconcurrency import CLibXML2
import FeedModel
@testable import FeedRender

/// One site, one feed, and entries that exercise every field and the awkward
/// characters, shared by the golden files of all three formats.
enum Sample {
    static let site = Site(title: "Test Lab", baseURL: "https://feeds.example.org/lab", tagAuthority: "example.org,2026",
                           author: "Test Lab curators")
    static let feed = FeedSpec(name: "publications", file: "publications.atom", kind: .publication,
                               title: "Test Lab publications", subtitle: "Papers & preprints", cap: 50)

    static let richBody = """
        First paragraph with a [relative link](../papers/b.pdf), a [rooted one](/about) and **bold** text.

        Second paragraph with an image: ![diagram](img/b.png "Figure 1")

        - one
        - two

        | name | value |
        |:-----|------:|
        | x    | 1     |

        ```swift
        let ok = 1 < 2 && 3 > 2
        ```
        """

    static func item(_ key: String, day: Int, title: String, body: String = "First paragraph.\n\nSecond.") -> FeedItem {
        var e = Entry(key: EntryKey(rawValue: key), kind: .publication, title: title, source: "\(key).md")
        e.authors = ["Zoë Müller", "A. Author"]
        e.tags = ["graphs", "llm"]
        e.link = "/papers/\(key)"
        e.body = body
        let t = Timestamp.fromCivil(year: 2025, month: 3, day: day, hour: 9)!
        return FeedItem(entry: e, published: t, updated: t)
    }

    static func job(_ key: String, day: Int, title: String, body: String) -> FeedItem {
        var e = Entry(key: EntryKey(rawValue: key), kind: .job, title: title, source: "jobs/\(key).md")
        e.location = Location(country: "US", region: "WA", city: "Seattle")
        e.team = "Prime Video"
        e.tags = ["compilers"]
        e.body = body
        let published = Timestamp.fromCivil(year: 2025, month: 3, day: day, hour: 12)!
        return FeedItem(entry: e, published: published, updated: Timestamp(seconds: published.seconds + 3600))
    }

    static var items: [FeedItem] {
        [
            item("b", day: 5, title: "Beta: a <system> & more", body: richBody),
            item("a", day: 2, title: "Alpha"),
            job("rd-compilers", day: 4, title: "R&D Engineer <Compilers>",
                body: "Build compilers & tools for R&D.\n\nApply [here](apply.html) or write to <jobs@example.org>."),
        ].sorted(by: FeedItem.feedOrder)
    }

    static let hostileBody = """
        [x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](vbscript:msgbox(1)) [ok](https://example.org/ok)

        Intro <script>alert(1)</script> text ]]> and \u{1}\u{8}ctl\u{7F}\u{85} \u{FFFE}\(String(Unicode.Scalar(0xFDD0)!)) end.

        <img src=x onerror=alert(1)>

        <a href="data:text/html,<script>alert(1)</script>">data</a>

        <iframe src="https://evil.example/"></iframe>

        <style>body { display: none }</style>

        <p style="color:red" onclick="alert(1)" class="x" id="y">styled</p>

        <svg onload="alert(1)"><script>alert(1)</script></svg>

        <!-- a comment --> <?php echo 1 ?>

        <a href="java&#x09;script:alert(1)">tab</a> <a href=" javascript:alert(1)">space</a>

        <object data="x.swf"></object><embed src="x.swf"><form action="/x"><input value="v">form text</form>

        <table><tr><td>cell</td></tr>stray</table> <td>lonely cell</td> <a href="/a"><a href="/b">nested</a></a>

        <math><mi>x</mi></math> <IMG SRC="javascript:alert(1)"> <img src="data:image/png;base64,AAAA">
        """

    static var hostileItem: FeedItem {
        var it = item("x", day: 1, title: "Evil\u{0}\u{1}\u{1B}[31m ]]> <script>alert(1)</script> \u{FFFE}\u{FFFF}\u{85} & \"q\"",
                      body: hostileBody)
        it.entry.link = "javascript:alert(1)"
        it.entry.authors = ["\u{202E}evil <b>x</b>"]
        it.entry.tags = ["<script>", "a&b"]
        return it
    }

    /// `items` as the daemon hands them to a writer: each body already
    /// rendered and its summary paragraph already made (see `FeedItem`).
    static func prepared(_ items: [FeedItem]) -> [FeedItem] {
        items.map { item in
            var ready = item
            ready.contentHTML = HTMLContent.render(markdown: item.entry.body, baseURL: site.baseURL)
            ready.summary = Summary.paragraph(markdown: item.entry.body)
            return ready
        }
    }

    /// How many of `count` renders, run on every core at once (as the
    /// daemon runs them) and taking `items` in turn as given and
    /// `prepared`, differ from one render of `items` as given. Shared state
    /// in a renderer, or a hash-map order (Swift seeds each Set and
    /// Dictionary differently), shows up here even within one process.
    static func differingRenders(_ items: [FeedItem], count: Int = 400,
                                 _ render: @escaping @Sendable ([FeedItem]) throws -> [UInt8]) throws -> Int {
        let expected = try render(items)
        let inputs = [items, prepared(items)]
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var differing = 0
        }
        let tally = Tally()
        DispatchQueue.concurrentPerform(iterations: count) { i in
            if (try? render(inputs[i % 2])) != expected { tally.lock.withLock { tally.differing += 1 } }
        }
        return tally.differing
    }

    static func golden(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    }

    /// Compares with (or, with FEEDD_RECORD_GOLDEN=1, records) a golden file.
    static func matchesGolden(_ bytes: [UInt8], _ name: String) throws -> Bool {
        let url = golden(name)
        if ProcessInfo.processInfo.environment["FEEDD_RECORD_GOLDEN"] == "1" {
            try Data(bytes).write(to: url)
        }
        return try bytes == [UInt8](Data(contentsOf: url))
    }
}

/// HTML text as a browser would parse it: which elements and attributes it holds.
struct ParsedHTML {
    var elements: [String] = []
    /// (element, attribute, value)
    var attributes: [(String, String, String)] = []
    var text = ""

    init(_ html: String) {
        guard !html.isEmpty else { return }
        LibXML2.ready()  // tests parse on many threads at once
        let options = Int32(bitPattern: HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue)
        guard let doc = html.withCString({ htmlReadMemory($0, Int32(html.utf8.count), nil, "UTF-8", options) }) else { return }
        defer { xmlFreeDoc(doc) }
        walk(doc.pointee.children)
    }

    private mutating func walk(_ first: xmlNodePtr?) {
        var node = first
        while let n = node {
            if n.pointee.type == XML_ELEMENT_NODE, let name = n.pointee.name {
                let element = String(cString: name)
                elements.append(element)
                var p = n.pointee.properties
                while let a = p {
                    var value = ""
                    if let c = a.pointee.children, let content = c.pointee.content { value = String(cString: content) }
                    attributes.append((element, String(cString: a.pointee.name), value))
                    p = a.pointee.next
                }
            } else if n.pointee.type == XML_TEXT_NODE, let content = n.pointee.content {
                text += String(cString: content)
            } else if n.pointee.type != XML_DTD_NODE {
                elements.append("#node-\(n.pointee.type.rawValue)")
            }
            walk(n.pointee.children)
            node = n.pointee.next
        }
    }
}

/// Undoes `HTMLContent.escape` (for titles written `type="html"`).
func htmlUnescape(_ s: String) -> String {
    s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
}
