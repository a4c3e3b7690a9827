import FeedModel
import FeedParse

/// libFuzzer entry: arbitrary bytes as a .md source file. The parser must
/// return entries or rejections, never crash, hang or trap; and the scan
/// path (bodies fingerprinted in the read bytes, no body string) must give
/// exactly the records and rejections of the full parse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = SourceFile.parse(bytes: bytes, path: "fuzz/input.md")
    for entry in parsed.entries { _ = entry.fingerprint }
    for item in parsed.listingItems { _ = item.entry.fingerprint }
    let scanned = SourceFile.scan(bytes: bytes, path: "fuzz/input.md")
    let expected = ScannedFile(parsed)
    if scanned.records != expected.records || scanned.rejections != expected.rejections {
        fatalError("scan and parse disagree:\n\(scanned.records)\n\(scanned.rejections)\nvs\n\(expected.records)\n\(expected.rejections)")
    }
    return 0
}
