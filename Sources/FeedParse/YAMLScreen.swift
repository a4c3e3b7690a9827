import FeedModel
import CYaml

/// Looks at front matter's YAML events before Yams builds a tree from them,
/// and refuses what front matter has no use for and an attacker does:
///
/// - anchors and aliases: Yams' composer copies the anchored node for every
///   alias, and hashing those copies (an alias used as a key) walks the whole
///   expansion, so a ten-line "billion laughs" file would take minutes;
/// - tags other than YAML's core ones (`!!python/object:…`, `!custom`): they
///   ask for a type feedd will never construct, so silently reading them as
///   text would hide a mistake.
///
/// One pass of libyaml's event parser, and only when the text holds `&`, `*`
/// or `!` at all. Syntax errors are left for Yams to report.
enum YAMLScreen {
    /// Tags a front matter value may carry (`!!str 2024` is a string, `!!int 7` a number…).
    static let coreTags: Set<String> = ["str", "int", "float", "bool", "null", "seq", "map", "timestamp"]
        .reduce(into: ["!"]) { $0.insert("tag:yaml.org,2002:" + $1) }

    static func check(_ yaml: Substring, firstLine: Int, source: String) throws(Rejection) {
        guard yaml.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "!") }) else { return }
        let bytes = Array(yaml.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { (buffer) throws(Rejection) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + firstLine
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                let tag: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_ALIAS_EVENT:
                    throw Rejection(source: source, line: line, message: anchorMessage)
                case YAML_SCALAR_EVENT:
                    (anchor, tag) = (event.data.scalar.anchor, event.data.scalar.tag)
                case YAML_SEQUENCE_START_EVENT:
                    (anchor, tag) = (event.data.sequence_start.anchor, event.data.sequence_start.tag)
                case YAML_MAPPING_START_EVENT:
                    (anchor, tag) = (event.data.mapping_start.anchor, event.data.mapping_start.tag)
                default:
                    continue
                }
                if anchor != nil {
                    throw Rejection(source: source, line: line, message: anchorMessage)
                }
                if let tag {
                    let name = String(cString: tag)
                    if !coreTags.contains(name) {
                        throw Rejection(source: source, line: line, message: "YAML tag \(shown(name)) is not supported in front matter; values are plain text, lists and tables")
                    }
                }
            }
        }
    }

    static let anchorMessage = "YAML anchors (&name) and aliases (*name) are not supported in front matter; write the value out"

    /// `tag:yaml.org,2002:python/object` is written `!!python/object` in the file.
    private static func shown(_ tag: String) -> String {
        let core = "tag:yaml.org,2002:"
        let short = tag.hasPrefix(core) ? "!!" + tag.dropFirst(core.count) : tag
        return short.count > 60 ? String(short.prefix(57)) + "…" : short
    }
}
