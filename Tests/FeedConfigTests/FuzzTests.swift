import Foundation
import Testing
import TestSupport
@testable import FeedConfig
/// Opt-in fuzzing of the loader: `FEEDD_FUZZ=SEED swift test --filter fuzzLoader`.
/// toml++ 3.4 aborts on some malformed inputs (see `KeyLocator.unsafeSyntax`);
/// a crash here means another one. The input being parsed is always in
/// `$TMPDIR/feedd-config-fuzz-last.toml`, so a crash leaves the culprit there.
@Test(.enabled(if: ProcessInfo.processInfo.environment["FEEDD_FUZZ"] != nil))
func fuzzLoader() async throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let example = try String(contentsOf: root.appendingPathComponent("Config/feedd.example.toml"), encoding: .utf8)
    let last = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-config-fuzz-last.toml").path
    let seed = UInt64(ProcessInfo.processInfo.environment["FEEDD_FUZZ"] ?? "1") ?? 1
    // In a process of its own, so a crash fails the test with its seed and culprit.
    await #expect(processExitsWith: .success, "seed \(seed): the input in \(last) crashed the loader") {
        [seed = seed as UInt64, example = example as String, last = last as String] in
        let base = Array((fullConfig + "\nx = \"\"\"a\\\n\"\"\"\ny = [ {a=1}, [2, '3'], 1979-05-27 07:32:00Z, 0x1F, inf, -nan, 1_000, 07:32:00 ]\nz = { a.b = 1, 'c' = [] }\n" + example).utf8)
        let punctuation = Array("[]{}\"'=.,#\\\n \t+-_0e:Zx\r".utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        var rng = SplitMix(seed: seed)
        for round in 0..<25000 {
            var bytes = base
            if round % 3 == 0 { bytes = Array(bytes.prefix(rng.next(bytes.count))) }
            for _ in 0..<(1 + rng.next(8)) {
                guard !bytes.isEmpty else { break }
                let i = rng.next(bytes.count)
                switch rng.next(3) {
                case 0: bytes[i] = punctuation[rng.next(punctuation.count)]
                case 1: bytes.insert(punctuation[rng.next(punctuation.count)], at: i)
                default: bytes.remove(at: i)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            try? text.write(toFile: last, atomically: false, encoding: .utf8)
            _ = try? ConfigLoader.parse(text, file: "f", baseDirectory: "/")
        }
    }
}
