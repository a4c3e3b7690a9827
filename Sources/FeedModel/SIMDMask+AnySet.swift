extension SIMDMask where Storage == SIMD16<Int8> {
    /// Whether any lane is set, read as two words (the standard `any(_:)`
    /// reduces lane by lane here).
    @inlinable
    public var anySet: Bool {
        let words = unsafeBitCast(self, to: (UInt64, UInt64).self)
        return words.0 | words.1 != 0
    }

    /// The index of the first set lane, 16 when none is, read as two words.
    @inlinable
    public var firstSetLane: Int {
        let words = unsafeBitCast(self, to: (UInt64, UInt64).self)
        return words.0 != 0 ? words.0.trailingZeroBitCount >> 3 : 8 &+ words.1.trailingZeroBitCount >> 3
    }
}
