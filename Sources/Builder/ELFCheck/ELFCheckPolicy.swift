/// What a build does with the ELF check of its final image (`--elf-check`).
public enum ELFCheckPolicy: String, Sendable, CaseIterable {
    /// Report executables that would not start, and tag the image anyway (the default).
    case warn
    /// Report them and fail the build before anything is tagged or written.
    case error
    /// Do not check.
    case off
}
