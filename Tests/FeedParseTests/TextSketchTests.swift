import Testing
import FeedModel

struct TextSketchTests {
    private let text = (1...200).map { "word\($0)" }.joined(separator: " ")

    @Test func identicalTextsAreIdentical() {
        #expect(TextSketch(text: text).similarity(TextSketch(text: text)) == 1)
        #expect(TextSketch(text: text).hashes.count == TextSketch.size)
    }

    @Test func caseSpacingAndPunctuationDoNotMatter() {
        let a = TextSketch(text: "We present Quince, a placement service — it’s fast.")
        let b = TextSketch(text: "we   PRESENT quince a placement-service: its fast")
        #expect(a == b)
    }

    @Test func aSmallEditStaysSimilarAndOtherTextDoesNot() {
        let edited = text.replacingOccurrences(of: "word150 ", with: "changed ")
        let similar = TextSketch(text: text).similarity(TextSketch(text: edited))
        #expect(similar > 0.85)
        let other = (1...200).map { "other\($0)" }.joined(separator: " ")
        #expect(TextSketch(text: text).similarity(TextSketch(text: other)) < 0.1)
        #expect(TextSketch(text: "").similarity(TextSketch(text: text)) == 0)
    }

    /// Stored sketches must compare equal after a restart: the hash is fixed, not seeded.
    @Test func hashesAreStableAcrossProcesses() {
        #expect(TextSketch(text: "one two three").hashes == [TextSketch(text: "ONE two, three!").hashes[0]])
        #expect(TextSketch(text: "one two three").bytes ==
                [1] + TextSketch(text: "one two three").hashes[0].bigEndianBytes)
        #expect(TextSketch(text: "one two three").hashes[0] == 5_493_744_470_491_895_190) // FNV-1a 64 + fmix64, checked independently
    }

    @Test func bytesRoundTrip() {
        let sketch = TextSketch(text: text)
        #expect(sketch.bytes.count == 1 + 8 * 64)
        #expect(TextSketch(bytes: sketch.bytes) == sketch)
        #expect(TextSketch(bytes: TextSketch(text: "").bytes) == TextSketch(text: ""))
        #expect(TextSketch(bytes: []) == nil)
        #expect(TextSketch(bytes: [2]) == nil)
        #expect(TextSketch(bytes: Array(sketch.bytes.dropLast())) == nil)
        var unsorted = sketch.bytes
        unsorted.replaceSubrange(1..<17, with: Array(sketch.bytes[9..<17] + sketch.bytes[1..<9]))
        #expect(TextSketch(bytes: unsorted) == nil)
    }
}

private extension UInt64 {
    var bigEndianBytes: [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: self >> (UInt64($0) * 8)) } }
}
