import Crypto

/// SHA-256 of an entry's canonical content; equal fingerprints mean "no edit".
public struct Fingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(of data: [UInt8]) {
        // The digest's bytes in one copy (iterating it as a Sequence goes byte by byte).
        self.bytes = SHA256.hash(data: data).withUnsafeBytes { Array($0) }
    }

    public init<S: StringProtocol>(ofText text: S) {
        self.init(of: Array(text.utf8))
    }

    /// Lower-case hex, as shown by `feedd state`.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { String(hex.prefix(12)) }
}
