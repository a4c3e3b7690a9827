#if canImport(Glibc)
import Glibc
#endif

/// Repeats a system call that a signal interrupted (`EINTR`). Any other
/// result, and `errno`, is the caller's to read: every module that makes
/// system calls goes through this one loop.
@inlinable
public func retryingEINTR<T: SignedInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}

/// Writes all of `bytes` to `fd`, retrying `EINTR` and short writes.
///
/// - Returns: 0, or the `errno` of the write that failed (`ENOSPC` for a
///   write that made no progress).
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    guard let base = bytes.baseAddress else { return 0 }
    var offset = 0
    while offset < bytes.count {
        let n = retryingEINTR { write(fd, base + offset, bytes.count - offset) }
        if n < 0 { return errno }
        if n == 0 { return ENOSPC }
        offset += n
    }
    return 0
}
