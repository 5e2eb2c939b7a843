#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// libFuzzer's entry point for the ELF module (built by `scripts/fuzz-elf` together with
/// `Sources/ELF`, as one module): every input goes through the ELF parser, the `ld.so.cache`
/// parser, the `ld.so.conf` and musl path readers, and a whole resolution inside ``FuzzRoot``,
/// where the input is the executable, its loader, its libc and the cache at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let file = try? ELFFile(bytes: bytes, path: "input")
    if let file {
        _ = ELFKind(file)
        _ = LibC(file)
        _ = LoaderFamily(loader: file)
        _ = file.goBuildInfo?.cgoEnabled
        for requirement in LinkageRequirement.allCases { _ = requirement.isSatisfied(by: file) }
        for finding in file.findings { _ = finding.description }
    }
    _ = try? LdSoCache(bytes: bytes, path: "input")
    FuzzRoot.shared.resolve(bytes, file: file)
    return 0
}
