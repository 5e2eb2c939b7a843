import Glibc

/// A device's major and minor number, as a char or block device entry carries them.
public struct DeviceNumber: Sendable, Hashable, CustomStringConvertible {
    /// The major number (the driver).
    public var major: UInt32
    /// The minor number (the device the driver serves).
    public var minor: UInt32

    /// A device number from its parts.
    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Splits a `dev_t` the way glibc's `major()` and `minor()` do (those are macros Swift
    /// cannot import).
    init(_ device: dev_t) {
        self.major = UInt32(truncatingIfNeeded: ((device >> 32) & 0xffff_f000) | ((device >> 8) & 0x0000_0fff))
        self.minor = UInt32(truncatingIfNeeded: ((device >> 12) & 0xffff_ff00) | (device & 0x0000_00ff))
    }

    /// The `dev_t` for `mknodat`, encoded as glibc's `makedev()` does.
    var rawValue: dev_t {
        let major = dev_t(self.major)
        let minor = dev_t(self.minor)
        return ((major & 0xffff_f000) << 32) | ((major & 0x0000_0fff) << 8)
            | ((minor & 0xffff_ff00) << 12) | (minor & 0x0000_00ff)
    }

    public var description: String { "\(major):\(minor)" }
}
