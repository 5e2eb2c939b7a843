import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Plain words for the errors the HTTP stack throws. Their own descriptions are written
/// for NIO's developers (`connect(descriptor:addr:size:) (error set): Connection refused
/// (errno: 111)` nested in a connection error's description); a user needs the address
/// and what the system said.
enum TransportErrorDescription {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let connection as NIOConnectionError:
            if let first = connection.connectionErrors.first {
                return "cannot connect to \(address(first.target)): \(describe(first.error))"
            }
            if let resolution = connection.dnsAError ?? connection.dnsAAAAError {
                return "cannot resolve \(connection.host): \(describe(resolution))"
            }
            return "cannot connect to \(connection.host):\(connection.port)"
        case let io as IOError:
            return String(cString: strerror(io.errnoCode))
        case let client as HTTPClientError:
            return describe(client)
        case let channel as ChannelError:
            switch channel {
            case .connectTimeout(let timeout): return "no connection within \(timeout.nanoseconds / 1_000_000_000) seconds"
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed: return "the connection was closed"
            default: return "\(channel)"
            }
        case let ssl as NIOSSLError:
            return "TLS: \(ssl)"
        default:
            return "\(error)"
        }
    }

    private static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: "no connection within the connect timeout"
        case .readTimeout: "the registry stopped answering (read timeout)"
        case .deadlineExceeded: "the request took longer than its deadline"
        case .remoteConnectionClosed: "the registry closed the connection"
        case .cancelled: "cancelled"
        default: "\(error)"
        }
    }

    /// `127.0.0.1:5000`, `[::1]:5000`.
    private static func address(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
