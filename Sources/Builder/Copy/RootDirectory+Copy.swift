import System

/// ``RootDirectory`` for the copy code, whose functions throw ``CopyError/Problem``: the
/// same calls, a failure turned into ``CopyError/Problem/system(path:_:)`` (same message).
extension RootDirectory {
    /// ``RootDirectory/init(path:)``.
    static func opening(_ path: String) throws(CopyError.Problem) -> RootDirectory {
        try CopyError.Problem.wrapping { () throws(SystemError) in try RootDirectory(path: path) }
    }

    /// ``RootDirectory/init(directory:displayedAs:)``.
    static func opening(directory: Int32, displayedAs path: String) throws(CopyError.Problem) -> RootDirectory {
        try CopyError.Problem.wrapping { () throws(SystemError) in try RootDirectory(directory: directory, displayedAs: path) }
    }

    /// ``RootDirectory/openExact(_:flags:)``.
    func openWalked(_ relative: String, flags: Int32) throws(CopyError.Problem) -> Int32 {
        try CopyError.Problem.wrapping { () throws(SystemError) in try openExact(relative, flags: flags) }
    }
}
