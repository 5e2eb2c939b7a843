/// The C library a file is linked against, judged from its interpreter path and `DT_NEEDED`.
public enum LibC: Sendable, Equatable {
    /// No C library is named: a static file, or a library that needs no libc.
    case notLinked
    /// glibc: an `ld-linux*.so.*` / `ld64.so.*` interpreter or a `libc.so.6` dependency.
    case glibc
    /// musl: an `ld-musl-*.so.1` interpreter or a `libc.musl-*.so.1` / `libc.so` dependency.
    case musl
    /// Both at once, e.g. glibc's `libc.so.6` needed under a musl interpreter: it will not run.
    case mixed
    /// An interpreter of neither family (e.g. Android's `/system/bin/linker64`), by path.
    case other(interpreter: String)

    /// The flavour of `file`. The interpreter and every `DT_NEEDED` libc must agree.
    public init(_ file: ELFFile) {
        var seen: Set<Family> = []
        var unknownInterpreter: String?
        if let interpreter = file.interpreter {
            if let family = Self.interpreterFamily(interpreter) {
                seen.insert(family)
            } else {
                unknownInterpreter = interpreter
            }
        }
        for name in file.needed {
            if let family = Self.libraryFamily(name) { seen.insert(family) }
        }
        switch (seen.contains(.glibc), seen.contains(.musl)) {
        case (true, true): self = .mixed
        case (true, false): self = .glibc
        case (false, true): self = .musl
        case (false, false): self = unknownInterpreter.map { .other(interpreter: $0) } ?? .notLinked
        }
    }

    /// The two C library families told apart by name.
    private enum Family { case glibc, musl }

    /// The family of a loader path, by its last component.
    private static func interpreterFamily(_ path: String) -> Family? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasPrefix("ld-musl-") && name.hasSuffix(".so.1") { return .musl }
        if name.hasPrefix("ld-linux") && name.contains(".so.") { return .glibc }
        if name.hasPrefix("ld64.so.") { return .glibc }
        return nil
    }

    /// The family of a `DT_NEEDED` name, if it is a C library.
    private static func libraryFamily(_ name: String) -> Family? {
        if name == "libc.so.6" { return .glibc }
        if name == "libc.so" || (name.hasPrefix("libc.musl-") && name.hasSuffix(".so.1")) { return .musl }
        return nil
    }
}
