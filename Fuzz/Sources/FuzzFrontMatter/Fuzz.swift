import FeedModel
import FeedParse

/// libFuzzer entry: arbitrary bytes as a .md source file. The parser must
/// return entries or rejections, never crash, hang or trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = SourceFile.parse(bytes: bytes, path: "fuzz/input.md")
    for entry in parsed.entries { _ = entry.fingerprint }
    for item in parsed.listingItems { _ = item.entry.fingerprint }
    return 0
}
