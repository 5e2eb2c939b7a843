#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// libFuzzer's entry point for the Dockerfile parser, the planner and word expansion
/// (built by `scripts/fuzz-dockerfile` together with `Sources/Dockerfile`,
/// `Sources/Planner` and the OCI platform type, as one module). Each input is read as a
/// whole Dockerfile (parsed, then planned, with every error message formed), as one word
/// expanded with both escape characters, as a list of words, and as a `.dockerignore`
/// file matched against a few paths. Any crash, stack overflow, leak or slow input is a
/// finding: the limits in `DockerfileLimits` exist so that there are none.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    do {
        let parsed = try DockerfileParser.parse(text, file: "fuzz/Dockerfile")
        let options = PlanOptions(
            target: nil, buildArgs: ["A": "a b", "B": "${A}"],
            buildPlatform: Platform(architecture: "amd64", os: "linux"),
            targetPlatform: Platform(architecture: "arm64", os: "linux"))
        do {
            let plan = try BuildPlanner.plan(parsed, options: options)
            _ = plan.buildOrder
        } catch {
            _ = error.description
        }
    } catch {
        _ = error.description
    }

    let environment = ["a": "x y", "b": "", "HOME": "/root", "long": String(repeating: "z", count: 64)]
    for escape in ["\\", "`"] as [Character] {
        let expander = WordExpander(escapeCharacter: escape)
        do { _ = try expander.expand(text, environment: environment) } catch { _ = error.description }
        do { _ = try expander.expandWords(text, environment: environment) } catch { _ = error.description }
    }

    if let ignore = try? DockerIgnore(contents: text) {
        for path in ["a", "a/b", "Dockerfile", ".dockerignore", "x/y/z.txt", text.prefix(64).description] {
            _ = ignore.isExcluded(path)
            _ = ignore.mustDescend(intoExcludedDirectory: path)
        }
    }
    _ = text.withControlCharactersEscaped
    _ = text.clipped()
    return 0
}
