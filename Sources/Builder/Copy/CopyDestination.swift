import StepPlan

/// Where a copy writes: the destination joined to the working directory, cleaned inside
/// the target root, and whether it was written as a directory.
struct CopyDestination {
    /// The components from the target root (`..` stops at the root).
    var components: [String]
    /// Whether it ends with `/` (or is `.`, `/.` or the root), so it must be a directory.
    var isDirectoryForm: Bool

    init(_ destination: String, workingDirectory: String) {
        let joined = destination.hasPrefix("/") ? destination : workingDirectory + "/" + destination
        components = RootedPath.components(joined)
        isDirectoryForm =
            destination.isEmpty || destination == "." || destination.hasSuffix("/")
            || destination.hasSuffix("/.") || components.isEmpty
    }
}
