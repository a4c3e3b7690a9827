/// The bits of an `inotify_event` mask and of an `inotify_add_watch` mask,
/// with the values of the Linux ABI (`<sys/inotify.h>`).
struct InotifyMask: OptionSet, Sendable, Hashable {
    let rawValue: UInt32

    static let closeWrite = InotifyMask(rawValue: 0x0000_0008)
    static let movedFrom = InotifyMask(rawValue: 0x0000_0040)
    static let movedTo = InotifyMask(rawValue: 0x0000_0080)
    static let create = InotifyMask(rawValue: 0x0000_0100)
    static let delete = InotifyMask(rawValue: 0x0000_0200)
    static let deleteSelf = InotifyMask(rawValue: 0x0000_0400)
    static let moveSelf = InotifyMask(rawValue: 0x0000_0800)
    static let unmount = InotifyMask(rawValue: 0x0000_2000)
    static let queueOverflow = InotifyMask(rawValue: 0x0000_4000)
    static let ignored = InotifyMask(rawValue: 0x0000_8000)
    static let onlyDirectory = InotifyMask(rawValue: 0x0100_0000)
    static let dontFollow = InotifyMask(rawValue: 0x0200_0000)
    static let excludeUnlinked = InotifyMask(rawValue: 0x0400_0000)
    static let isDirectory = InotifyMask(rawValue: 0x4000_0000)

    /// What every directory of the tree is watched for.
    ///
    /// `IN_MODIFY` is left out on purpose: a file is only worth reading once
    /// it is closed after writing or renamed into place.
    static let subdirectoryWatch: InotifyMask = [
        .closeWrite, .movedTo, .movedFrom, .create, .delete, .deleteSelf, .moveSelf,
        .onlyDirectory, .dontFollow, .excludeUnlinked,
    ]

    /// The root may be a symbolic link to a directory (`/srv/feeds -> /data/feeds`),
    /// so it is followed; symbolic links below the root are not.
    static let rootWatch = subdirectoryWatch.subtracting(.dontFollow)
}

/// One record read from an inotify descriptor.
struct InotifyEvent: Sendable, Equatable {
    /// The watch descriptor; -1 for `IN_Q_OVERFLOW`.
    var wd: Int32
    var mask: InotifyMask
    /// Pairs `IN_MOVED_FROM` with `IN_MOVED_TO`.
    var cookie: UInt32
    /// The entry's name inside the watched directory; empty for events on
    /// the directory itself.
    var name: String

    init(wd: Int32, mask: InotifyMask, cookie: UInt32 = 0, name: String = "") {
        self.wd = wd
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// Size of `struct inotify_event` before its flexible `name` member.
    static let headerSize = 16

    /// Decodes the `struct inotify_event` records of one `read(2)`.
    ///
    /// Each record is `wd`, `mask`, `cookie`, `len` (four 32-bit words in host
    /// order), then `len` bytes of NUL-padded name. A truncated trailing
    /// record, which the kernel never produces, is dropped.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = 0
        while offset + headerSize <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            guard nameStart + length <= bytes.count else { break }
            let nameBytes = bytes[nameStart..<(nameStart + length)].prefix { $0 != 0 }
            events.append(InotifyEvent(
                wd: wd,
                mask: InotifyMask(rawValue: mask),
                cookie: cookie,
                name: String(decoding: nameBytes, as: UTF8.self)
            ))
            offset = nameStart + length
        }
        return events
    }
}
