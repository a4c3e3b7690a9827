extension SIMDMask where Storage == SIMD16<Int8> {
    /// Whether any lane is set, read as two words (the standard `any(_:)`
    /// reduces lane by lane here).
    @inlinable
    public var anySet: Bool {
        let words = unsafeBitCast(self, to: (UInt64, UInt64).self)
        return words.0 | words.1 != 0
    }
}
