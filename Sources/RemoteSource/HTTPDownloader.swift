import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import OCI
import OCIArchive
import System

/// What ``HTTPDownloader/download(_:to:)`` fetched.
public struct HTTPDownload: Sendable {
    /// The SHA-256 of the bytes written.
    public var digest: Digest
    /// How many bytes were written.
    public var size: Int64
    /// The response's `Last-Modified`, when it has one that parses.
    public var lastModified: Date?
}

/// Downloads `ADD` URLs: a GET that follows up to ten redirects (BuildKit's client, Go's,
/// follows ten), streams the body into a file while hashing it (never held in memory),
/// within the disk budget of the file system it writes to. No `Accept-Encoding` is sent
/// and nothing is decompressed: the file is the bytes the server sent.
///
/// Call ``shutdown()`` when done, or use ``withDownloader(_:)``.
public final class HTTPDownloader: Sendable {
    private let client: HTTPClient

    /// A downloader; its connections live until ``shutdown()``.
    public init() {
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .follow(max: 10, allowCycles: false)
        settings.timeout = .init(connect: .seconds(30), read: .seconds(300))
        settings.decompression = .disabled
        settings.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Closes every connection.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Runs `body` with a new downloader and shuts it down afterwards, also when it throws.
    public static func withDownloader<T>(_ body: (HTTPDownloader) async throws -> T) async throws -> T {
        let downloader = HTTPDownloader()
        do {
            let result = try await body(downloader)
            await downloader.shutdown()
            return result
        } catch {
            await downloader.shutdown()
            throw error
        }
    }

    /// Downloads `url` into the new file `name` (mode 0600) in the open directory
    /// `directory` (shown as `directoryPath`). On failure the partial file is removed.
    public func download(_ url: String, to name: String, in directory: Int32, directoryPath: String) async throws(RemoteSourceError)
        -> HTTPDownload
    {
        let file = FileDescriptor(adopting: openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
        guard file.rawValue >= 0 else { throw .system(.last("create \(directoryPath)/\(name)")) }
        do {
            return try await receive(url, into: file.rawValue, budgetDirectory: directory, directoryPath: directoryPath)
        } catch {
            unlinkat(directory, name, 0)
            throw error
        }
    }

    private func receive(_ url: String, into output: Int32, budgetDirectory: Int32, directoryPath: String) async throws(RemoteSourceError)
        -> HTTPDownload
    {
        let budget: DiskBudget
        do {
            budget = try DiskBudget(directory: budgetDirectory, path: directoryPath)
        } catch {
            throw .system(error)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "swiftbuild")
        var digester = SHA256Digester()
        let lastModified: Date?
        do {
            let response = try await client.execute(request, timeout: .hours(6))
            guard (200..<300).contains(response.status.code) else {
                throw RemoteSourceError.httpStatus(url: url, status: response.status.code, reason: response.status.reasonPhrase)
            }
            lastModified = response.headers.first(name: "Last-Modified").flatMap(Self.parseHTTPDate)
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes throws(RemoteSourceError) in
                    do throws(SystemError) {
                        try budget.spend(Int64(bytes.count))
                        try Self.writeAll(output, bytes)
                    } catch {
                        throw .system(error)
                    }
                    digester.update(bytes)
                }
            }
        } catch let error as RemoteSourceError {
            throw error
        } catch {
            throw .transport(url: url, description: Self.describe(error))
        }
        return HTTPDownload(digest: digester.finalize(), size: digester.byteCount, lastModified: lastModified)
    }

    private static func writeAll(_ output: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let count = retryingOnInterrupt { Glibc.write(output, bytes.baseAddress! + written, bytes.count - written) }
            guard count >= 0 else { throw .last("write") }
            written += count
        }
    }

    /// An HTTP date in any of the three forms HTTP/1.1 allows (IMF-fixdate, RFC 850,
    /// asctime), as Go's `http.ParseTime` reads them; nil for anything else.
    public static func parseHTTPDate(_ text: String) -> Date? {
        // asctime pads the day with a space: "Nov  6".
        let text = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The HTTP stack's errors in plain words: the address and what the system said.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let connection as NIOConnectionError:
            if let first = connection.connectionErrors.first {
                return "cannot connect to \(first.target): \(describe(first.error))"
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "cannot resolve \(connection.host)"
            }
            return "cannot connect to \(connection.host):\(connection.port)"
        case let io as IOError:
            return String(cString: strerror(io.errnoCode))
        case let client as HTTPClientError:
            if client == .redirectLimitReached { return "more than 10 redirects" }
            if client == .redirectCycleDetected { return "a redirect cycle" }
            if client == .connectTimeout { return "no connection within 30 seconds" }
            if client == .readTimeout { return "no data for 300 seconds" }
            return "\(client)"
        case let ssl as NIOSSLError:
            return "TLS: \(ssl)"
        default:
            return "\(error)"
        }
    }
}
