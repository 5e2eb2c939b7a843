/// How a dependency was found, in the order of the loader's search.
public enum ResolutionMethod: String, Sendable, Equatable {
    /// The name contains a `/` and was opened as a path (relative paths from the image's `/`).
    case direct
    /// Already loaded as the dynamic loader itself: the loader's soname (glibc's
    /// `ld-linux-x86-64.so.2`), or a name musl maps to itself (`libc.so`, `libm.so.6`, `libpthread.so.0`, ...).
    case interpreter
    /// A `DT_RPATH` directory of the requester or of an object up its loading chain.
    case rpath
    /// A `DT_RUNPATH` directory of the requester.
    case runpath
    /// The image's `/etc/ld.so.cache`.
    case ldSoCache
    /// A directory of the image's `/etc/ld.so.conf` (only searched when there is no cache).
    case ldSoConf
    /// One of glibc's default directories (see ``DependencyResolver/glibcDefaultDirectories(for:)``).
    case defaultPath
    /// musl's search path: `/etc/ld-musl-<arch>.path` or its built-in default.
    case muslPath
}
