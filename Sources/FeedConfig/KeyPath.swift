import Foundation

/// A path to a value in a TOML document, printed the way a user would look
/// for it: `feed[1].cap`, `site.base_url`, `"odd key".x`.
///
/// Array indices are 0-based, as in TOML tooling (toml++ paths, `jq`).
public struct TOMLKeyPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public init(arrayLiteral elements: Component...) { self.components = elements }

    public static let root = TOMLKeyPath()

    public var isRoot: Bool { components.isEmpty }

    public func appending(_ key: String) -> TOMLKeyPath { TOMLKeyPath(components + [.key(key)]) }

    public func appending(index: Int) -> TOMLKeyPath { TOMLKeyPath(components + [.index(index)]) }

    public var parent: TOMLKeyPath? {
        components.isEmpty ? nil : TOMLKeyPath(Array(components.dropLast()))
    }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += Self.isBare(key) ? key : Self.quoted(key)
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out
    }

    /// Bare TOML keys: `A-Za-z0-9_-`, non-empty.
    static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(isBareByte)
    }

    static func quoted(_ key: String) -> String {
        var out = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
