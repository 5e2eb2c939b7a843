import ELF

/// One candidate of the ELF check (a file that starts as ELF or `#!`), checked.
struct CheckedFile {
    var path: String
    /// What the report lists; nil when it is not a program the check reports (an object
    /// file, a script without the executable bit, a separate debug file).
    var executable: ShippedExecutable? = nil
    /// CPU-dependent warnings (`glibc-hwcaps`).
    var warnings: [String] = []
    /// A dynamically linked glibc program, and a Go one: the name service check's input.
    var glibcProgram = false
    var goProgram = false
    /// The parsed file, for the remedies of one that would not start; nil when reused.
    var file: ELFFile? = nil

}

extension CheckedFile {
    /// A result an earlier build recorded (it had no findings), credited to `origin`, the
    /// instruction of this build whose layer holds the file.
    init(reused file: ELFCheckRecord.File, origin: LayerOrigin) {
        path = file.path
        executable = file.linkage.map {
            ShippedExecutable(path: file.path, origin: origin, linkage: $0, findings: [], isLibrary: file.isLibrary)
        }
        warnings = file.warnings
        glibcProgram = file.glibcProgram
        goProgram = file.goProgram
    }
}
