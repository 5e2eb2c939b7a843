/// What glibc's loader reads from the root to search for libraries after the per-object
/// paths: the `/etc/ld.so.cache` entries, or, when the root has no usable cache, the
/// directories of `/etc/ld.so.conf` (which the resolver searches with a warning, since the
/// cache built from them may be stale or missing).
struct GlibcSearchConfiguration: Sendable {
    /// The cache's entries by name, in file order within each name; nil without a usable cache.
    let cacheEntries: [String: [LdSoCache.Entry]]?
    /// The `ld.so.conf` directories when there is no cache (empty otherwise).
    let confDirectories: [String]
    /// Whether `/etc/ld.so.conf` was read because there is no cache.
    let readConf: Bool

    /// Reads the configuration of `root`.
    init(root: ImageRoot) {
        if let resolved = try? root.resolve("/etc/ld.so.cache"),
            let bytes = try? root.readRegularFile(resolved, sizeLimit: LdSoCache.sizeLimit),
            let cache = try? LdSoCache(bytes: bytes, path: root.hostPath(resolved))
        {
            // Indexed once, so a lookup does not scan the whole cache.
            cacheEntries = Dictionary(grouping: cache.entries, by: \.name)
            confDirectories = []
            readConf = false
        } else if (try? root.resolve("/etc/ld.so.conf")) != nil {
            cacheEntries = nil
            confDirectories = LdSoConf.directories(root: root)
            readConf = true
        } else {
            cacheEntries = nil
            confDirectories = []
            readConf = false
        }
    }
}
