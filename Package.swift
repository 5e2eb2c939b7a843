// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swiftbuild",
    products: [
        .executable(name: "swiftbuild", targets: ["swiftbuild"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Dockerfile syntax: directives, continuations, heredocs, word expansion, .dockerignore.
        .target(name: "Dockerfile"),
        // Stages, build args and the stage graph.
        .target(name: "Planner", dependencies: ["Dockerfile"]),
        // The command-line tool.
        .executableTarget(
            name: "swiftbuild",
            dependencies: [
                "Dockerfile",
                "Planner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DockerfileTests", dependencies: ["Dockerfile"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Dockerfile"]),
    ]
)
