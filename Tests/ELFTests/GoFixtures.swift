import Foundation

/// Go programs built once per test run with the machine's `go` (Debian: golang-go), when it
/// is installed: a pure-Go one with `CGO_ENABLED=0` and a cgo one linked against glibc.
struct GoFixtures: Sendable {
    let directory: String
    /// `CGO_ENABLED=0 go build`: a static executable.
    let pureGo: String
    /// `CGO_ENABLED=1 go build` of a program calling C: dynamic, glibc.
    let cgo: String
    /// What `go version` printed, e.g. `go1.19.8`.
    let version: String

    /// The `go` command in PATH, if any.
    static let goCommand: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/go" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether the tests that need Go can run.
    static var isAvailable: Bool { goCommand != nil }

    /// The fixtures, built on first use.
    static let shared: Result<GoFixtures, Error> = Result { try GoFixtures.build() }

    /// The shared fixtures or the error that prevented building them.
    static func get() throws -> GoFixtures { try shared.get() }

    private static func build() throws -> GoFixtures {
        let dir = try Shell.temporaryDirectory()
        atexit {
            if case .success(let fixtures) = GoFixtures.shared {
                try? FileManager.default.removeItem(atPath: fixtures.directory)
            }
        }
        for name in ["pure", "cgo"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
        }
        try "package main\n\nfunc main() { println(\"hi\") }\n".write(toFile: "\(dir)/pure/main.go", atomically: true, encoding: .utf8)
        try "package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc main() { println(int(C.abs(-3))) }\n"
            .write(toFile: "\(dir)/cgo/main.go", atomically: true, encoding: .utf8)
        // A private cache and no module mode: nothing is fetched and nothing outside `dir` is written.
        let environment = ["HOME=\(dir)", "GOCACHE=\(dir)/cache", "GOPATH=\(dir)/gopath", "GO111MODULE=off", "GOFLAGS="]
        let fixtures = GoFixtures(
            directory: dir, pureGo: "\(dir)/pure-go", cgo: "\(dir)/cgo-go",
            version: String(try Shell.run(environment + ["go", "env", "GOVERSION"]).split(separator: "\n").first ?? ""))
        try Shell.run(environment + ["CGO_ENABLED=0", "go", "build", "-o", fixtures.pureGo, "\(dir)/pure/main.go"])
        try Shell.run(environment + ["CGO_ENABLED=1", "go", "build", "-o", fixtures.cgo, "\(dir)/cgo/main.go"])
        return fixtures
    }
}
