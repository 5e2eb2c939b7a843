import Glibc

/// The extended attributes of one file, read and written through a descriptor.
///
/// A descriptor open for I/O (regular files, directories) uses `flistxattr` and friends.
/// One opened with `O_PATH | O_NOFOLLOW` (symlinks, devices and fifos, which must not be
/// opened for I/O) goes through its `/proc/self/fd/N` link: the kernel resolves that link
/// to the file the descriptor holds, never to what a symlink points at.
public struct ExtendedAttributes {
    /// The file's descriptor.
    public let descriptor: Int32
    /// Whether `descriptor` was opened with `O_PATH`.
    public let isPathOnly: Bool

    public init(descriptor: Int32, isPathOnly: Bool) {
        self.descriptor = descriptor
        self.isPathOnly = isPathOnly
    }

    /// Every attribute with its value; none on a file system without extended attributes.
    public func all() throws(SystemError) -> [String: [UInt8]] {
        var attributes: [String: [UInt8]] = [:]
        for name in try names() {
            if let value = try value(of: name) {
                attributes[name] = value
            }
        }
        return attributes
    }

    /// Sets `name` to `value`, replacing any value it had.
    public func set(_ name: String, to value: [UInt8]) throws(SystemError) {
        let calls = ExtendedAttributeCalls.shared
        let status = value.withUnsafeBytes { bytes in
            isPathOnly
                ? calls.setByPath(procPath, name, bytes.baseAddress, bytes.count, 0)
                : calls.setByDescriptor(descriptor, name, bytes.baseAddress, bytes.count, 0)
        }
        guard status == 0 else { throw .last("setxattr \(name)") }
    }

    private var procPath: String { "/proc/self/fd/\(descriptor)" }

    /// The attributes' names; none on a file system without extended attributes.
    public func names() throws(SystemError) -> [String] {
        let calls = ExtendedAttributeCalls.shared
        while true {
            let size = isPathOnly ? calls.listByPath(procPath, nil, 0) : calls.listByDescriptor(descriptor, nil, 0)
            if size < 0 {
                if errno == ENOTSUP { return [] }
                throw .last("listxattr")
            }
            if size == 0 { return [] }
            var list = [CChar](repeating: 0, count: size)
            let listed = list.withUnsafeMutableBufferPointer { buffer in
                isPathOnly
                    ? calls.listByPath(procPath, buffer.baseAddress, size)
                    : calls.listByDescriptor(descriptor, buffer.baseAddress, size)
            }
            if listed < 0 {
                if errno == ERANGE { continue }  // an attribute was added meanwhile
                throw .last("listxattr")
            }
            return list[..<listed].split(separator: 0).map { name in
                String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    private func value(of name: String) throws(SystemError) -> [UInt8]? {
        let calls = ExtendedAttributeCalls.shared
        while true {
            let size =
                isPathOnly
                ? calls.getByPath(procPath, name, nil, 0)
                : calls.getByDescriptor(descriptor, name, nil, 0)
            if size < 0 {
                if errno == ENODATA { return nil }  // removed meanwhile
                throw .last("getxattr \(name)")
            }
            var value = [UInt8](repeating: 0, count: size)
            let read = value.withUnsafeMutableBytes { buffer in
                isPathOnly
                    ? calls.getByPath(procPath, name, buffer.baseAddress, size)
                    : calls.getByDescriptor(descriptor, name, buffer.baseAddress, size)
            }
            if read < 0 {
                if errno == ERANGE { continue }  // grew meanwhile
                if errno == ENODATA { return nil }
                throw .last("getxattr \(name)")
            }
            return Array(value[..<read])
        }
    }
}

/// The C library's extended-attribute calls. Glibc's Swift module leaves out
/// `<sys/xattr.h>`, so they are looked up by name once, like any C function pointer.
private struct ExtendedAttributeCalls: @unchecked Sendable {
    typealias ListByDescriptor = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias ListByPath = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias GetByDescriptor = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias GetByPath = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias SetByDescriptor = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    typealias SetByPath = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32

    static let shared = ExtendedAttributeCalls()

    let listByDescriptor: ListByDescriptor
    let listByPath: ListByPath
    let getByDescriptor: GetByDescriptor
    let getByPath: GetByPath
    let setByDescriptor: SetByDescriptor
    let setByPath: SetByPath

    private init() {
        let library = dlopen(nil, RTLD_NOW)
        func lookUp<Function>(_ name: String, as type: Function.Type) -> Function {
            guard let address = dlsym(library, name) else {
                fatalError("the C library has no \(name)")
            }
            return unsafeBitCast(address, to: type)
        }
        listByDescriptor = lookUp("flistxattr", as: ListByDescriptor.self)
        listByPath = lookUp("listxattr", as: ListByPath.self)
        getByDescriptor = lookUp("fgetxattr", as: GetByDescriptor.self)
        getByPath = lookUp("getxattr", as: GetByPath.self)
        setByDescriptor = lookUp("fsetxattr", as: SetByDescriptor.self)
        setByPath = lookUp("setxattr", as: SetByPath.self)
    }
}
