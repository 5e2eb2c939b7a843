#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A small image root, made once per fuzzing process in a temporary directory, whose
/// executable `/app` is rewritten with each input. The loaders of both C libraries, glibc's
/// `libc.so.6` and `/etc/ld.so.cache` are links to `/app`, so one input is parsed in every
/// role; `/lib/loop` links to itself. The input is also read as a file an `ld.so.conf`
/// includes and as musl's path file, on their own: as the resolver's search path, a binary
/// input would make hundreds of directories to search and slow every run down.
final class FuzzRoot: @unchecked Sendable {
    /// The root of this process (only libFuzzer's one thread uses it).
    static let shared = FuzzRoot()

    /// Links inside the root and their targets.
    static let links = [
        ("/lib64/ld-linux-x86-64.so.2", "/app"), ("/lib/ld-musl-x86_64.so.1", "/app"),
        ("/lib/x86_64-linux-gnu/libc.so.6", "../../app"), ("/etc/ld.so.cache", "/app"),
        ("/etc/fuzz/input.conf", "/app"), ("/etc/ld-musl-fuzz.path", "/app"), ("/lib/loop", "loop")
    ]

    /// The host path of the root directory.
    let directory: String

    private init() {
        var template = Array("/tmp/elf-fuzz-root.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp: errno \(errno)") }
        directory = String(cString: made)
        for path in ["/lib64", "/lib/x86_64-linux-gnu", "/usr/lib", "/etc/fuzz"] {
            makeDirectories(path)
        }
        for (path, target) in Self.links { symlink(target, directory + path) }
        store(Array("/lib\n/usr/lib\n".utf8), at: "/etc/ld.so.conf")
        store(Array("# the input\ninclude fuzz/*.conf\n".utf8), at: "/etc/fuzz.conf")
        atexit { FuzzRoot.shared.remove() }
    }

    /// Writes `bytes` as `/app`, reads it as an `ld.so.conf` include and as musl's path file
    /// (for `file`, the input parsed as ELF, if it is), and resolves it with a fresh resolver
    /// (files change between inputs) over the fixed search path of `/etc/ld.so.conf`.
    func resolve(_ bytes: [UInt8], file: ELFFile?) {
        store(bytes, at: "/app")
        let root = ImageRoot(directory)
        _ = LdSoConf.directories(root: root, path: "/etc/fuzz.conf")
        if let file {
            _ = ResolutionSession.muslPath(root: root, interpreter: "/lib/ld-musl-fuzz.so.1", platform: ELFPlatform(file))
        }
        if let resolution = try? DependencyResolver(root: root).resolve("/app") {
            for finding in resolution.findings { _ = finding.description }
        }
    }

    private func makeDirectories(_ path: String) {
        var prefix = directory
        for component in path.split(separator: "/") {
            prefix += "/" + component
            mkdir(prefix, 0o755)
        }
    }

    private func store(_ bytes: [UInt8], at path: String) {
        let descriptor = open(directory + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { fatalError("open \(directory + path): errno \(errno)") }
        defer { close(descriptor) }
        var written = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count <= 0 { fatalError("write \(directory + path): errno \(errno)") }
                written += count
            }
        }
    }

    /// Removes the root (links, files and directories; nothing outside it is followed).
    private func remove() {
        for path in Self.links.map(\.0) + ["/app", "/etc/ld.so.conf", "/etc/fuzz.conf"] { unlink(directory + path) }
        for path in ["/etc/fuzz", "/etc", "/lib/x86_64-linux-gnu", "/lib64", "/usr/lib", "/usr", "/lib", ""] {
            rmdir(directory + path)
        }
    }
}
