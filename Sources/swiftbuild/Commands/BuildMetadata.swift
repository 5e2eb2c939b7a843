import ArgumentParser
import Foundation
import Glibc
import OCI
import Sandbox

/// `--label KEY=VALUE`: a label on the result's config, as `docker build --label`.
struct LabelOption {
    var key: String
    var value: String

    /// `KEY=VALUE` (the value may be empty or hold `=`); a bare `KEY` is an empty value, as docker.
    init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = parts.first, !key.isEmpty else { throw ValidationError("--label \(text): expected KEY=VALUE") }
        self.key = String(key)
        value = parts.count > 1 ? String(parts[1]) : ""
    }

    static func dictionary(_ texts: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for text in texts {
            let label = try LabelOption(parsing: text)
            labels[label.key] = label.value
        }
        return labels
    }
}

/// `--annotation [TYPE:]KEY=VALUE`, with buildx's type prefixes. A build makes one image
/// manifest and no index, so `manifest` (the default) is what can be annotated; the
/// index and descriptor types are refused until builds make indexes.
struct AnnotationOption {
    var key: String
    var value: String

    init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ValidationError("--annotation \(text): expected [TYPE:]KEY=VALUE")
        }
        var key = String(parts[0])
        // A type prefix ends at the first ':' of the key part, and may carry a platform: manifest[linux/amd64]:
        if let colon = key.firstIndex(of: ":") {
            let type = String(key[..<colon])
            let base = type.split(separator: "[").first.map(String.init) ?? type
            switch base {
            case "manifest":
                key = String(key[key.index(after: colon)...])
            case "index", "index-descriptor", "manifest-descriptor":
                throw ValidationError(
                    "--annotation \(text): \(base) annotations need an image index, and a build writes one manifest; annotate the manifest (manifest:KEY=VALUE)"
                )
            default:
                // Not a known type: a key with a colon in it (such as a URL-like key).
                break
            }
        }
        guard !key.isEmpty else { throw ValidationError("--annotation \(text): expected [TYPE:]KEY=VALUE") }
        self.key = key
        value = String(parts[1])
    }

    static func dictionary(_ texts: [String]) throws -> [String: String] {
        var annotations: [String: String] = [:]
        for text in texts {
            let annotation = try AnnotationOption(parsing: text)
            annotations[annotation.key] = annotation.value
        }
        return annotations
    }
}

/// `--add-host HOST:IP` (or `HOST=IP`), as `docker build --add-host`: a line of every RUN
/// step's `/etc/hosts`. The address must be an IPv4 or IPv6 address (docker's
/// `host-gateway` names the bridge's gateway, which host networking does not have).
enum AddHostOption {
    static func entries(_ texts: [String]) throws -> [HostEntry] {
        try texts.map { text in
            // `HOST=IP`, or `HOST:IP` split at the first ':' (an IPv6 address keeps its own).
            let separator = text.firstIndex(of: "=") ?? text.firstIndex(of: ":")
            guard let separator else { throw ValidationError("--add-host \(text): expected HOST:IP") }
            let name = String(text[..<separator])
            var address = String(text[text.index(after: separator)...])
            if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
            guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "#" }) else {
                throw ValidationError("--add-host \(text): expected HOST:IP, with a host name")
            }
            guard isAddress(address) else {
                throw ValidationError("--add-host \(text): \(address) is not an IPv4 or IPv6 address")
            }
            return HostEntry(name: name, address: address)
        }
    }

    static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// `--shm-size SIZE` as docker reads it: a number of bytes with an optional unit
/// `b`, `k`, `m` or `g` (powers of 1024).
enum SharedMemorySizeOption {
    static func bytes(_ text: String) throws -> UInt64 {
        let lowered = text.lowercased()
        let units: [Character: UInt64] = ["b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(lowered)
        var unit: UInt64 = 1
        if let last = lowered.last, let multiplier = units[last] {
            unit = multiplier
            digits = digits.dropLast()
            if digits.last == "i" || digits.last == "b" { digits = digits.dropLast() }
        }
        guard let count = UInt64(digits), count > 0, count <= UInt64.max / unit else {
            throw ValidationError("--shm-size \(text): expected a size such as 64m or 1g")
        }
        return count * unit
    }
}
