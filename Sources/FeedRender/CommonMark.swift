import CCmarkGFM
import Foundation

/// GitHub-flavoured CommonMark to HTML through cmark-gfm: the only importer
/// of `CCmarkGFM`.
///
/// Raw HTML in the Markdown is passed through (`CMARK_OPT_UNSAFE`) because
/// everything this returns goes through `HTMLSanitizer`, which keeps an
/// allowlist; cmark-gfm's safe mode would instead replace every tag, an
/// allowed `<b>` or `<sup>` too, with a comment, and a block of HTML with
/// all the text inside it. The tag filter still writes the nine tags GFM
/// disallows (`script`, `style`, `iframe`, `textarea`, `title`, `xmp`,
/// `noembed`, `noframes`, `plaintext`) as text, as GitHub shows them: an
/// HTML parser reads everything after an unclosed one ("the <title>
/// element…") as its content, which the sanitiser would drop, and with it
/// the rest of the body.
enum CommonMark {
    /// The GFM extensions every document is parsed with.
    static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter"]

    /// Strikethrough only with `~~`: a single tilde is "about" in prose,
    /// and `~$90k–~$120k` would otherwise strike the text between them.
    static let options = CMARK_OPT_DEFAULT | CMARK_OPT_UNSAFE | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE

    /// The HTML of `markdown` (empty when cmark-gfm could not allocate).
    static func html(_ markdown: String) -> String {
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for syntax in Extensions.shared.syntaxes {
            cmark_parser_attach_syntax_extension(parser, syntax)
        }
        let document: OpaquePointer? = Extensions.shared.parsing {
            var text = markdown
            text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { cmark_parser_feed(parser, base, chars.count) }
                }
            }
            return cmark_parser_finish(parser)
        }
        guard let document else { return "" }
        defer { cmark_node_free(document) }
        // The extension list belongs to the parser, which outlives this call.
        guard let html = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(html) }
        return String(cString: html)
    }

    /// cmark-gfm's process-wide state: the registry of extensions, and the
    /// table of characters that start an inline construct.
    ///
    /// Registering appends to a global list without a lock, so it runs once
    /// (a `static let` is initialised once, whichever thread comes first).
    /// Parsing adds each attached extension's characters (`~` for
    /// strikethrough, `:` and `w` for autolinks) to that global table when
    /// it starts on inlines and removes them when it is done, so a parse on
    /// one thread could end another's strikethroughs and autolinks midway:
    /// parses take turns.
    private final class Extensions: @unchecked Sendable {
        static let shared = Extensions()

        /// Immutable once registered, so shared by every parser.
        let syntaxes: [OpaquePointer]
        private let lock = NSLock()

        private init() {
            cmark_gfm_core_extensions_ensure_registered()
            syntaxes = CommonMark.extensionNames.compactMap { cmark_find_syntax_extension($0) }
        }

        func parsing<T>(_ body: () -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body()
        }
    }
}
