/// What runc does to a process's environment before it starts it, which a RUN step under
/// BuildKit therefore sees: one entry per name (the last one, where it was), no empty
/// `HOME`, and a `HOME` when there is none: the user's home from the image's
/// `/etc/passwd`, else `/`. Without it, `go build` in an image that does not set HOME
/// stops (`GOCACHE is not defined and neither $XDG_CACHE_HOME nor $HOME are defined`).
///
/// Nothing adds `HOSTNAME`: neither runc nor BuildKit set it; shells that do (bash,
/// busybox sh) take it from the host name, `buildkitsandbox`.
enum ProcessEnvironment {
    /// `environment` (`NAME=value` strings) as the process gets it, with `home` as the
    /// `HOME` to add when it has no non-empty one.
    static func prepared(_ environment: [String], home: String) -> [String] {
        var seen: Set<Substring> = []
        var kept: [String] = []
        var hasHome = false
        for entry in environment.reversed() {
            let name = entry.prefix { $0 != "=" }
            guard seen.insert(name).inserted else { continue }
            if name == "HOME" {
                guard entry.count > name.count + 1 else { continue }
                hasHome = true
            }
            kept.append(entry)
        }
        kept.reverse()
        if !hasHome { kept.append("HOME=" + home) }
        return kept
    }
}
