import Foundation
import Testing

/// Builds the same Dockerfiles with swiftbuild and `buildah bud` and compares the results:
/// every file's type, mode, owner, content and link target, and the image config.
@Suite("Same result as buildah", .enabled(if: ExternalTool.isRoot, "building needs root"), .serialized)
struct BuildahComparisonTests {
    let work: URL
    let store: URL
    let buildah: [String]

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        // buildah gets the very same base image, in storage of its own.
        buildah = [
            "buildah", "--root", work.appendingPathComponent("buildah-root").path,
            "--runroot", work.appendingPathComponent("buildah-run").path, "--storage-driver", "vfs"
        ]
        let base = work.appendingPathComponent("base-layout")
        let saved = try SwiftBuildProcess.run(["save", "busybox", "-o", base.path, "--format", "oci-dir", "--root", store.path])
        guard saved.status == 0 else {
            throw ExternalTool.Failure(command: "swiftbuild save", status: saved.status, output: saved.standardError)
        }
        let id = try ExternalTool.run(buildah + ["pull", "-q", "oci:\(base.path):busybox:latest"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        try ExternalTool.run(buildah + ["tag", id, "docker.io/library/busybox:latest"])
    }

    /// What an image is made of, as compared here.
    struct Result: Equatable {
        var files: [String: String]
        var config: [String: String]
    }

    /// Config keys compared, as JSON text. `Shell` is not compared: buildah drops it from
    /// OCI-format configs, where BuildKit keeps it (swiftbuild follows BuildKit; the
    /// metadata test in BuildTests checks it).
    static let configKeys = ["Env", "Entrypoint", "Cmd", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "StopSignal"]

    /// What buildah's RUN steps leave behind as mount points.
    static let buildahMountPoints: Set<String> = ["dev", "proc", "sys", "run", "etc/hosts", "etc/hostname", "etc/resolv.conf"]

    /// A labels object without `io.buildah.version`, or nil when nothing else is left.
    static func withoutBuildahLabel(_ json: String) -> String? {
        guard var labels = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return json }
        labels["io.buildah.version"] = nil
        guard !labels.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(labels)).map {
            String(decoding: $0, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").replacingOccurrences(of: "\":\"", with: "\": \"")
        }
    }

    func compare(
        _ dockerfile: String, files: [String: String] = [:], setup: String = "", arguments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        for (name, content) in files {
            let file = context.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        if !setup.isEmpty { try ExternalTool.run(["sh", "-c", setup], in: context) }

        let built = try SwiftBuildProcess.run(
            ["build", "-t", "compare:latest", "--root", store.path, "--progress", "quiet"] + arguments + [context.path])
        #expect(built.status == 0, "swiftbuild: \(built.standardError)", sourceLocation: sourceLocation)
        guard built.status == 0 else { return }
        let ours = Result(
            files: try unpack("\(store.path):compare:latest"), config: try configOf(layout: store, reference: "compare:latest"))

        try ExternalTool.run(
            buildah + ["bud", "--pull=never", "--layers=false", "--isolation", "chroot", "-q", "-t", "compare:latest"] + arguments + [
                context.path
            ])
        let exported = work.appendingPathComponent("buildah-out-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(buildah + ["push", "-q", "compare:latest", "oci:\(exported.path):compare"])
        let theirs = Result(files: try unpack("\(exported.path):compare"), config: try configOf(layout: exported, reference: "compare"))

        for path in Set(ours.files.keys).union(theirs.files.keys).sorted() where ours.files[path] != theirs.files[path] {
            // buildah leaves the mount points of its RUN steps in the image; BuildKit (and so
            // swiftbuild) does not. The reference is silent; BuildKit is the tie-breaker.
            if ours.files[path] == nil, Self.buildahMountPoints.contains(path) { continue }
            Issue.record(
                "\(path): swiftbuild \(ours.files[path] ?? "absent"), buildah \(theirs.files[path] ?? "absent")",
                sourceLocation: sourceLocation)
        }
        var theirConfig = theirs.config
        // buildah labels every image with its version; not part of the Dockerfile's result.
        theirConfig["Labels"] = theirConfig["Labels"].flatMap(Self.withoutBuildahLabel)
        for key in Self.configKeys where ours.config[key] != theirConfig[key] {
            Issue.record(
                "config \(key): swiftbuild \(ours.config[key] ?? "unset"), buildah \(theirConfig[key] ?? "unset")",
                sourceLocation: sourceLocation)
        }
    }

    private func unpack(_ image: String) throws -> [String: String] {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", image, bundle.path])
        return try TreeListing.of(bundle.appendingPathComponent("rootfs"))
    }

    /// The compared config fields of the image `reference` names in an OCI layout.
    private func configOf(layout: URL, reference: String) throws -> [String: String] {
        let output = try ExternalTool.run([
            "python3", "-c",
            """
            import json, sys
            root, ref = sys.argv[1], sys.argv[2]
            def blob(digest):
                return json.load(open(root + "/blobs/" + digest.replace(":", "/")))
            index = json.load(open(root + "/index.json"))
            entry = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref][0]
            config = blob(blob(entry["digest"])["config"]["digest"]).get("config", {})
            print(json.dumps({k: json.dumps(v, sort_keys=True) for k, v in config.items() if v not in (None, [], {}, "")}))
            """, layout.path, reference
        ])
        return try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
    }

    @Test func argAndEnvExpansionAndScoping() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            ARG BASE=busybox
            ARG GLOBAL=from-global
            FROM $BASE
            ARG GREETING=hello
            ARG GLOBAL
            ENV NAME=world PHRASE="${GREETING} there"
            ENV LEGACY spaced value
            RUN echo "$GREETING $NAME / $PHRASE / ${UNSET:-default} / ${NAME:+set} / $GLOBAL / $LEGACY" > /expanded
            ARG GREETING=changed
            RUN echo "$GREETING" > /changed
            WORKDIR /srv/${NAME}
            """, arguments: ["--build-arg", "GREETING=from-cli"])
    }

    @Test func copyEdgeCases() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox
            COPY dir /into-dir
            COPY dir/ /into-dir-slash/
            COPY *.txt /texts/
            COPY one.txt /renamed
            COPY one.txt /existing-dir-no-slash
            COPY --chown=1000:1000 dir /owned/
            COPY --chmod=0600 one.txt /private.txt
            COPY links /links/
            COPY notes/ /notes/
            """,
            files: [
                "dir/a": "a\n", "dir/sub/b": "b\n", "one.txt": "1\n", "two.txt": "2\n",
                "notes/keep.md": "keep\n", "notes/drop.md": "drop\n", "notes/plain.txt": "plain\n",
                ".dockerignore": "notes/*.md\n!notes/keep.md\n"
            ], setup: "mkdir -p links && ln -s ../one.txt links/up && ln -s /etc/passwd links/abs && chmod 0751 dir/sub")
    }

    @Test func whiteoutsFromRunSteps() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox
            RUN mkdir -p /data/dir && echo x > /data/dir/file && echo y > /data/keep
            RUN rm -rf /bin/ls /data/dir && echo now-a-file > /data/dir
            RUN rm /data/dir && mkdir /data/dir && echo back > /data/dir/again
            RUN rm -rf /usr
            """)
    }

    @Test func addExtractsLocalArchives() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox
            ADD bundle.tar.gz /opt/
            ADD bundle.tar.xz /xz/
            ADD plain.txt /plain/
            """, files: ["plain.txt": "not an archive\n"],
            setup: "mkdir -p src/d && echo in > src/d/f && tar -czf bundle.tar.gz -C src . && tar -cJf bundle.tar.xz -C src .")
    }

    @Test func userAndWorkdirOwnership() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox
            RUN echo 'app:x:1001:1002::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1002:' >> /etc/group
            USER app
            WORKDIR /home/app/work
            RUN touch created-by-app && id > /tmp/id
            USER 0
            WORKDIR /root-owned
            """)
    }

    @Test func targetSkipsAStageThatWouldFail() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox AS broken
            RUN exit 1
            FROM busybox AS good
            RUN echo fine > /fine
            FROM good AS final
            COPY --from=good /fine /copied
            """, arguments: ["--target", "final"])
    }

    @Test func everyMetadataInstruction() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try compare(
            """
            FROM busybox
            ENV PATH=/opt/bin:$PATH
            LABEL a=1 "b c"="d e"
            EXPOSE 80 443/tcp 53/udp
            VOLUME /data /logs
            STOPSIGNAL SIGTERM
            USER 1000:1000
            SHELL ["/bin/sh", "-ec"]
            ENTRYPOINT ["/bin/echo"]
            CMD ["hello"]
            """)
        try compare(
            """
            FROM busybox
            CMD echo from-cmd
            ENTRYPOINT echo shell-form
            """)
    }
}
