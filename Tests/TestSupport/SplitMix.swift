import Foundation

/// A small seeded generator, so failures reproduce.
///
/// Every randomized test draws all its choices from one of these, seeded with
/// `SplitMix.seed(default:)`, and names the seed in its failure messages:
/// `FEEDD_TEST_SEED=N swift test --filter TEST` replays a failure that said
/// `seed N`, and runs the test on other inputs than its default ones.
/// (In TestSupport, a target every test target may depend on.)
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// `FEEDD_TEST_SEED` when it is set, else the test's own fixed seed.
    public static func seed(default fixed: UInt64) -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["FEEDD_TEST_SEED"] else { return fixed }
        guard let seed = UInt64(text) else { fatalError("FEEDD_TEST_SEED=\(text) is not a decimal UInt64") }
        return seed
    }

    /// The seeds of a test that runs once per seed: `FEEDD_TEST_SEED` alone when it is set.
    public static func seeds(default fixed: Range<UInt64>) -> [UInt64] {
        ProcessInfo.processInfo.environment["FEEDD_TEST_SEED"] == nil ? Array(fixed) : [seed(default: 0)]
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    public mutating func next(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
