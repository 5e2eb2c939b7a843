import Dockerfile
import Foundation
import Glibc
import OCI
import RemoteSource
import StepPlan
import System

extension CopyStep {
    /// Whether a source word is a URL or an scp-like git address, which an `ADD` fetches
    /// (``RemoteReference/classify(_:)`` tells which, or why not).
    var hasRemoteSourceWords: Bool {
        sources.contains { source in
            guard case .path(let word) = source else { return false }
            return word.contains("://") || GitReference.isSCPStyle(word)
        }
    }
}

extension StageBuilder {
    /// Runs an `ADD` with URL or git sources (or a `--checksum`) through the cache.
    ///
    /// Everything remote is fetched into a staging directory of this build (removed
    /// afterwards, also on failure), then copied like any source, without extraction.
    /// The key holds, for each source, what was fetched: a download's SHA-256, name and
    /// `Last-Modified`, a checkout's commit, subdirectory and `--keep-git-dir`; with
    /// `--checksum` on a URL the key is made from the checksum, so a hit fetches nothing
    /// (BuildKit's cache key for HTTP sources with a checksum). Local sources of the same
    /// ADD are keyed by their content, as in any copy.
    func cachedRemoteAdd(
        _ copy: CopyStep, instruction: Instruction, step: String, chain: inout LayerChain
    ) async throws -> (changed: Bool, hit: Bool) {
        let remotes = try copy.sources.map { source -> RemoteReference? in
            guard case .path(let word) = source else { return nil }
            return try RemoteReference.classify(word)
        }
        var checksum: Digest?
        if let text = copy.checksum {
            guard copy.sources.count == 1 else { throw StepFailure("--checksum can't be specified for multiple sources") }
            guard let remote = remotes[0] else { throw StepFailure("--checksum requires an HTTP(S) or git source") }
            if case .http = remote {
                do {
                    checksum = try Digest(parsing: text)
                } catch {
                    throw RemoteSourceError.invalidChecksum(text)
                }
            }
        }
        let staging = workDirectory.appendingPathComponent("remote-\(step)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: staging) }

        if let checksum, case .http(let url, let fileName) = remotes[0] {
            let key = copy.cacheKey(over: chain.cacheKey, sourceDigest: "url \(url)\nfile \(fileName)\nchecksum \(checksum)")
            return try await cached(key, instruction, chain: &chain) { chain in
                try await HTTPDownloader.withDownloader { downloader in
                    _ = try await fetchURL(url, index: 0, checksum: checksum, into: staging, with: downloader)
                }
                return try await executeCopy(
                    copy, from: context.sourceTree, sources: [.fetched(path: "0", name: fileName)], fetched: staging.path,
                    instruction: instruction, step: step, chain: &chain)
            }
        }

        var sources: [CopySource] = []
        var fields: [String] = []
        try await HTTPDownloader.withDownloader { downloader in
            for (index, (source, remote)) in zip(copy.sources, remotes).enumerated() {
                switch (source, remote) {
                case (.inline(let name, let content), _):
                    sources.append(.inline(name: name, content: content))
                case (.path(let pattern), nil):
                    sources.append(.path(pattern))
                case (_, .http(let url, let fileName)?):
                    let download = try await fetchURL(url, index: index, checksum: nil, into: staging, with: downloader)
                    let modified = download.lastModified.map { String(Int64($0.timeIntervalSince1970)) } ?? ""
                    fields.append("url \(url) file \(fileName) content \(download.digest) modified \(modified)")
                    sources.append(.fetched(path: "\(index)", name: fileName))
                case (_, .git(var reference)?):
                    if let own = reference.keepGitDirectory, copy.keepGitDirectory, !own {
                        throw StepFailure("inconsistent keep-git-dir configuration")
                    }
                    let keep = reference.keepGitDirectory ?? copy.keepGitDirectory
                    if let given = copy.checksum {
                        if let own = reference.checksum, own != given {
                            throw StepFailure("checksum mismatch \"\(given)\" != \"\(own)\"")
                        }
                        reference.checksum = given
                    }
                    let checkout = try await GitFetcher.fetchOnThread(
                        reference, into: staging.appendingPathComponent("\(index)").path, keepGitDirectory: keep)
                    fields.append(
                        "git \(reference.remote) ref \(reference.ref ?? "") commit \(checkout.commit) "
                            + "subdir \(checkout.subdirectory) keep-git-dir \(keep)")
                    let path = checkout.subdirectory.isEmpty ? "\(index)" : "\(index)/\(checkout.subdirectory)"
                    sources.append(.fetched(path: path, name: "\(index)"))
                }
            }
        }
        let localPatterns = zip(copy.sources, remotes).compactMap { source, remote -> String? in
            if case .path(let pattern) = source, remote == nil { return pattern }
            return nil
        }
        var undigestable = false
        if !localPatterns.isEmpty {
            if let digest = try? context.contentDigest(for: localPatterns, excludes: copy.excludes) {
                fields.append(copy.from.digestField(digest))
            } else {
                undigestable = true
            }
        }
        let key = undigestable ? nil : copy.cacheKey(over: chain.cacheKey, sourceDigest: "remote\n" + fields.joined(separator: "\n"))
        return try await cached(key, instruction, chain: &chain) { chain in
            try await executeCopy(
                copy, from: context.sourceTree, sources: sources, fetched: staging.path, instruction: instruction, step: step,
                chain: &chain)
        }
    }

    /// Downloads `url` into the file named `index` in `staging`: mode 0600, its time the
    /// response's `Last-Modified` or, without one, the epoch (as BuildKit's HTTP source);
    /// checked against `checksum` when given.
    private func fetchURL(
        _ url: String, index: Int, checksum: Digest?, into staging: URL, with downloader: HTTPDownloader
    ) async throws -> HTTPDownload {
        let directoryFile = try FileDescriptor(opening: open(staging.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", path: staging.path)
        let directory = directoryFile.rawValue
        let name = "\(index)"
        let download = try await downloader.download(url, to: name, in: directory, directoryPath: staging.path)
        if let checksum, download.digest != checksum {
            throw RemoteSourceError.checksumMismatch(url: url, expected: checksum.description, actual: download.digest.description)
        }
        let seconds = download.lastModified.map { Int($0.timeIntervalSince1970) } ?? 0
        let time = timespec(tv_sec: seconds, tv_nsec: 0)
        let times = [time, time]
        guard utimensat(directory, name, times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SystemError.last("utimensat", path: "\(staging.path)/\(name)")
        }
        return download
    }
}
