import Synchronization

/// What one ``DependencyResolver`` has read from its root, shared by every resolution it
/// makes: parsed ELF files by their resolved path inside the root, and glibc's search
/// configuration. Scanning a directory of executables reads `libc.so.6` and
/// `/etc/ld.so.cache` once, not once per executable. Safe to use from several threads.
final class RootCache: Sendable {
    private let files = Mutex<[String: Result<ELFFile, ELFFinding>]>([:])
    private let glibc = Mutex<GlibcSearchConfiguration?>(nil)

    /// The parse result for `path`, parsing it with `parse` the first time it is asked for.
    /// (Two threads asking at once may both parse; the first result stored wins.)
    func file(at path: String, parse: () -> Result<ELFFile, ELFFinding>) -> Result<ELFFile, ELFFinding> {
        if let known = files.withLock({ $0[path] }) { return known }
        let parsed = parse()
        return files.withLock { files in
            if let known = files[path] { return known }
            files[path] = parsed
            return parsed
        }
    }

    /// The root's glibc search configuration, read with `read` the first time.
    func glibcConfiguration(read: () -> GlibcSearchConfiguration) -> GlibcSearchConfiguration {
        if let known = glibc.withLock({ $0 }) { return known }
        let configuration = read()
        return glibc.withLock { stored in
            if let known = stored { return known }
            stored = configuration
            return configuration
        }
    }
}
