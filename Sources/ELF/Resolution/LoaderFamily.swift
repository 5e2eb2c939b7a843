/// The C library family of a dynamic loader, judged from the loader file's *contents*
/// (never from its path, so a musl loader symlinked as `ld-linux-x86-64.so.2` is musl).
public enum LoaderFamily: Sendable, Equatable {
    /// glibc's `ld.so`: its `DT_SONAME` is `ld-linux*.so.*` or `ld64.so.*`.
    case glibc
    /// musl's loader, which is its `libc.so`: `DT_SONAME` `libc.so` or `ld-musl-*`, or (as
    /// Debian builds it) no `DT_SONAME`, no `DT_NEEDED` and no GNU version definitions.
    case musl

    /// Classifies a parsed loader file; nil when it matches neither family.
    public init?(loader file: ELFFile) {
        if let soname = file.soname {
            if (soname.hasPrefix("ld-linux") && soname.contains(".so.")) || soname.hasPrefix("ld64.so.") {
                self = .glibc
            } else if soname == "libc.so" || soname.hasPrefix("ld-musl-") {
                self = .musl
            } else {
                return nil
            }
        } else if file.isDynamic && file.needed.isEmpty && file.versionDefinitions.isEmpty
            && file.interpreter == nil && file.header.type == .sharedObject
        {
            self = .musl
        } else {
            return nil
        }
    }
}
