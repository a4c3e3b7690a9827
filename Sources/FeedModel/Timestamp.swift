import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time, whole seconds since the Unix epoch, always shown in UTC.
///
/// Feeds carry RFC 3339 dates in UTC; keeping whole seconds makes every
/// rendering of the same instant byte-identical.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static let epoch = Timestamp(seconds: 0)

    /// The current wall-clock time (effects live in callers; this is only a reading).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    /// RFC 3339 in UTC: `2024-05-01T10:00:00Z`.
    public var rfc3339: String {
        let (y, mo, d, h, mi, s, _) = civil
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))Z"
    }

    /// RFC 822 / RFC 1123 as RSS wants it: `Wed, 01 May 2024 10:00:00 +0000`.
    public var rfc822: String {
        let (y, mo, d, h, mi, s, wd) = civil
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[wd]), \(pad(d, 2)) \(months[mo - 1]) \(pad(y, 4)) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)) +0000"
    }

    public var description: String { rfc3339 }

    /// Days-from-civil inverse (H. Hinnant's algorithm), valid for all Int64 days we accept.
    private var civil: (Int, Int, Int, Int, Int, Int, Int) {
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday (4)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60), weekday)
    }

    /// Seconds since the epoch of a proleptic Gregorian civil date, or nil when
    /// the fields do not name a real instant (Feb 30, hour 24, ...).
    public static func fromCivil(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Timestamp? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        // A leap second (":60") is folded into the next second, as RFC 3339 readers do.
        return Timestamp(seconds: days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// Parses an RFC 3339 date (`2024-05-01`) or date-time
    /// (`2024-05-01T10:00:00Z`, `2024-05-01 10:00:00+02:00`, fractions ignored).
    /// A date-time without a zone is refused: guessing a zone would move the item.
    public init?(rfc3339 text: String) {
        var text = text
        guard let t = text.withUTF8({ Self.init(rfc3339UTF8: $0) }) else { return nil }
        self = t
    }

    /// `init(rfc3339:)` on UTF-8 bytes, read in place.
    public init?(rfc3339UTF8 utf8: UnsafeBufferPointer<UInt8>) {
        guard let t = Self.parseRFC3339(UnsafeBufferPointer(rebasing: utf8[Whitespace.trimmedRange(utf8)])) else { return nil }
        self = t
    }

    /// RFC 3339 from trimmed UTF-8 bytes.
    private static func parseRFC3339(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2),
              b[7] == UInt8(ascii: "-"), let d = num(8, 2) else { return nil }
        if b.count == 10 {
            return Timestamp.fromCivil(year: y, month: mo, day: d)
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let h = num(11, 2), b[13] == UInt8(ascii: ":"), let mi = num(14, 2),
              b[16] == UInt8(ascii: ":"), let s = num(17, 2) else { return nil }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        guard let local = Timestamp.fromCivil(year: y, month: mo, day: d, hour: h, minute: mi, second: s) else { return nil }
        return Timestamp(seconds: local.seconds - Int64(offset))
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
