import Synchronization

/// What one ``DependencyResolver`` has read from its root, shared by every resolution it
/// makes: parsed ELF files by their resolved path inside the root, and glibc's search
/// configuration. Scanning a directory of executables reads `libc.so.6` and
/// `/etc/ld.so.cache` once, not once per executable. Safe to use from several threads.
///
/// When the root has a ``ReadLog``, each memo keeps the reads that made it and notes them
/// again on every later use, so a result that used the memo lists them as its own reads.
/// A recording root has one reader at a time (the log's scopes are a stack).
final class RootCache: Sendable {
    private let files = Mutex<[String: (Result<ELFFile, ELFFinding>, ReadSet)]>([:])
    private let glibc = Mutex<(GlibcSearchConfiguration, ReadSet)?>(nil)

    /// The parse result for `path`, parsing it with `parse` the first time it is asked for.
    /// (Two threads asking at once may both parse; the first result stored wins.)
    func file(at path: String, log: ReadLog?, parse: () -> Result<ELFFile, ELFFinding>) -> Result<ELFFile, ELFFinding> {
        if let known = files.withLock({ $0[path] }) {
            log?.note(known.1)
            return known.0
        }
        let (parsed, reads) = log.map { $0.recording(parse) } ?? (parse(), ReadSet())
        return files.withLock { files in
            if let known = files[path] { return known.0 }
            files[path] = (parsed, reads)
            return parsed
        }
    }

    /// The root's glibc search configuration, read with `read` the first time.
    func glibcConfiguration(log: ReadLog?, read: () -> GlibcSearchConfiguration) -> GlibcSearchConfiguration {
        if let known = glibc.withLock({ $0 }) {
            log?.note(known.1)
            return known.0
        }
        let (configuration, reads) = log.map { $0.recording(read) } ?? (read(), ReadSet())
        return glibc.withLock { stored in
            if let known = stored { return known.0 }
            stored = (configuration, reads)
            return configuration
        }
    }
}
