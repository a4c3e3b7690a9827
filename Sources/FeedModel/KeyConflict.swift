/// Two claims on one key: the winner keeps the entry, the loser's claim
/// stands until one of the two files changes.
public struct KeyConflict: Sendable, Equatable {
    public var key: EntryKey
    public var winner: String
    public var loser: String
    /// Where in the loser the claim is, when known.
    public var line: Int?
    /// The kind of the entry the key names (its feed id says it), when known.
    public var kind: EntryKind?

    public init(key: EntryKey, winner: String, loser: String, line: Int? = nil, kind: EntryKind? = nil) {
        self.key = key
        self.winner = winner
        self.loser = loser
        self.line = line
        self.kind = kind
    }
}
