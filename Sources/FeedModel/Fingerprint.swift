import Crypto

/// SHA-256 of an entry's canonical content; equal fingerprints mean "no edit".
///
/// The 32 bytes are held in place (four words), not in an array: a first run
/// makes 100,000 of them, and each array was an allocation on the thread that
/// parsed the file and a free on the thread that stored it. Four plain words,
/// not a `SIMD4`: its 32-byte alignment passed to every array holding a
/// fingerprint (records, bound values), and each such array was allocated
/// with `posix_memalign` instead of `malloc`.
public struct Fingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    private var w0, w1, w2, w3: UInt64
    /// False for bytes that are not a 32-byte digest (a damaged state row):
    /// such a value equals no real fingerprint.
    private var isDigest: Bool

    /// The 32 bytes of the digest.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes, without making an array of them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: (w0, w1, w2, w3), body)
    }

    private typealias Words = (UInt64, UInt64, UInt64, UInt64)

    private init(words: Words, isDigest: Bool) {
        (w0, w1, w2, w3) = words
        self.isDigest = isDigest
    }

    /// A fingerprint as stored; anything but 32 bytes equals no digest.
    ///
    /// Not generic: the state's reader calls it from another module once per
    /// row, where a generic one ran unspecialised (runtime metadata lookups
    /// for each byte: two thirds of reading 50,000 archived rows).
    public init(bytes: UnsafeRawBufferPointer) {
        var words: Words = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(32))) }
        self.init(words: words, isDigest: bytes.count == 32)
    }

    public init(bytes: some Collection<UInt8>) {
        self = Array(bytes).withUnsafeBytes { Fingerprint(bytes: $0) }
    }

    public init(of data: [UInt8]) {
        self = data.withUnsafeBytes { Fingerprint(of: $0) }
    }

    /// The SHA-256 of `data`.
    public init(of data: UnsafeRawBufferPointer) {
        var words: Words = (0, 0, 0, 0)
        // The digest's bytes in one copy (iterating it as a Sequence goes byte by byte).
        SHA256.hash(data: data).withUnsafeBytes { digest in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: digest) }
        }
        self.init(words: words, isDigest: true)
    }

    public init<S: StringProtocol>(ofText text: S) {
        self.init(of: Array(text.utf8))
    }

    private enum CodingKeys: String, CodingKey { case bytes }

    /// Encoded as `{"bytes": [32 numbers]}`, as when the bytes were an array.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(bytes: try container.decode([UInt8].self, forKey: .bytes))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bytes, forKey: .bytes)
    }

    /// Lower-case hex, as shown by `feedd state`.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        withUnsafeBytes { raw in
            for b in raw {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { String(hex.prefix(12)) }
}
