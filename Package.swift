// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swiftbuild",
    products: [
        .executable(name: "swiftbuild", targets: ["swiftbuild"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // File names as bytes: the one conversion between names on disk and Swift strings.
        .target(name: "FileNames"),
        // openat2, O_PATH and errno names, which Swift's Glibc module does not export.
        .target(name: "CSystemShim"),
        // The OS layer: owned descriptors, EINTR retries, the errno error type, openat2 and
        // the rooted directory every path from input to disk goes through.
        .target(name: "System", dependencies: ["FileNames", "CSystemShim"]),
        // Dockerfile syntax: directives, continuations, heredocs, word expansion, .dockerignore.
        .target(name: "Dockerfile"),
        // Stages, build args and the stage graph.
        .target(name: "Planner", dependencies: ["Dockerfile", "OCI"]),
        // BuildKit's build checks (the Dockerfile linter): pure rules over a parsed Dockerfile.
        .target(name: "BuildChecks", dependencies: ["Dockerfile", "Planner", "StepPlan", "OCI"]),
        // libarchive (Debian: libarchive-dev), for tar streams with gzip and zstd.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // libdeflate (Debian: libdeflate-dev), for the parallel gzip compressor of layers.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // OCI image-spec types (digests, descriptors, platforms, manifests, index, config)
        // and OCI image layouts on disk; links neither libarchive nor zlib.
        .target(name: "OCI", dependencies: ["System", .product(name: "Crypto", package: "swift-crypto")]),
        // Layer machinery: tar streams (libarchive), gzip, packing and confined extraction.
        .target(name: "OCIArchive", dependencies: ["OCI", "System", "FileNames", "CArchive", "CDeflate"]),
        // The on-disk store: blobs, tags, snapshots, locking, garbage collection.
        .target(name: "Store", dependencies: ["OCI", "OCIArchive", "System"]),
        // OCI distribution client: references, authentication, pull and push (async-http-client).
        .target(
            name: "Registry",
            dependencies: [
                "OCI",
                "OCIArchive",
                "Store",
                "System",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // clone/unshare, mounts, pivot_root and exec: the part that must be C.
        // libseccomp (Debian: libseccomp-dev), which builds the seccomp filter of RUN steps.
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "CSandbox", dependencies: ["CSeccomp"]),
        // Runs a step's process in fresh namespaces over a root filesystem; overlay mounts.
        .target(name: "Sandbox", dependencies: ["CSandbox", "System"]),
        // ELF parsing and checks of binaries against an image's C library (never executes them).
        .target(name: "ELF", dependencies: ["FileNames", "System"]),
        // Software bills of materials: package databases, Python metadata and Go build info
        // read from their text, as SPDX 2.3 JSON (pure: no I/O).
        .target(name: "SBOM"),
        // A stage's instructions as resolved steps: expanded words, `--from` sources, config
        // updates and cache keys (pure: of OCI it uses the spec types and LayerCompression, no I/O).
        .target(name: "StepPlan", dependencies: ["Dockerfile", "Planner", "OCI"]),
        // Remote ADD sources: HTTP(S) downloads (async-http-client) and git checkouts (the git program).
        .target(
            name: "RemoteSource",
            dependencies: [
                "OCI",
                "OCIArchive",
                "System",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Executes a plan: snapshots, COPY/ADD/RUN, image config, the ELF check, export.
        .target(name: "Builder", dependencies: ["Dockerfile", "Planner", "StepPlan", "OCI", "OCIArchive", "Store", "Sandbox", "ELF", "FileNames", "System", "RemoteSource", "SBOM"]),
        // The command-line tool.
        .executableTarget(
            name: "swiftbuild",
            dependencies: [
                "Dockerfile",
                "Planner",
                "BuildChecks",
                "OCI",
                "OCIArchive",
                "Store",
                "Builder",
                "ELF",
                "Registry",
                "FileNames",
                "System",
                "Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmark (not a test): packs a tree into a gzip layer and prints MB/s.
        .executableTarget(name: "layer-bench", dependencies: ["OCI", "OCIArchive"], path: "Benchmarks/LayerBench"),
        // Test support: moves a test runner into a private mount namespace before main, as
        // the CLI moves itself at startup (see Tests/PrivateMountNamespaceForTests/enter.c).
        .target(name: "PrivateMountNamespaceForTests", dependencies: ["CSandbox"], path: "Tests/PrivateMountNamespaceForTests"),
        // Test support: a private tmux server, to test what a terminal shows.
        .target(name: "TerminalTestSupport", path: "Tests/TerminalTestSupport"),
        .testTarget(name: "FileNamesTests", dependencies: ["FileNames", "System"]),
        .testTarget(name: "SystemTests", dependencies: ["System", "FileNames"]),
        .testTarget(name: "DockerfileTests", dependencies: ["Dockerfile"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Dockerfile", "OCI"]),
        .testTarget(name: "BuildChecksTests", dependencies: ["BuildChecks", "Planner", "Dockerfile", "OCI"]),
        .testTarget(name: "StepPlanTests", dependencies: ["StepPlan", "Planner", "Dockerfile", "OCI"]),
        .testTarget(name: "CLITests", dependencies: ["swiftbuild", "Dockerfile", "Planner", "PrivateMountNamespaceForTests", "TerminalTestSupport"], exclude: ["Corpus", "Fixtures"]),
        .testTarget(name: "OCITests", dependencies: ["OCI", "OCIArchive", "System"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "OCI"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "System", "PrivateMountNamespaceForTests"]),
        .testTarget(name: "ELFTests", dependencies: ["ELF"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Store", "OCI", "swiftbuild", "TerminalTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "BuilderTests", dependencies: ["Builder", "StepPlan", "Dockerfile", "OCI", "PrivateMountNamespaceForTests"]),
        .testTarget(name: "RemoteSourceTests", dependencies: ["RemoteSource", "OCI"]),
        .testTarget(name: "SBOMTests", dependencies: ["SBOM"]),
    ]
)
