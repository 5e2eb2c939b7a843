import System

/// System's owned descriptor, by a name that NIOCore (its `System` enum, swift-system's
/// `FileDescriptor`) does not shadow in files that import both.
typealias OwnedFileDescriptor = FileDescriptor
