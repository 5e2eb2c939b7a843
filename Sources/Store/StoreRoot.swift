import Foundation
import System

/// Where the store lives: `--root`, else `SWIFTBUILD_ROOT`, else `/var/lib/swiftbuild`
/// for root and `$XDG_DATA_HOME/swiftbuild` (default `~/.local/share/swiftbuild`) otherwise,
/// rootless processes included (root only inside their own user namespace).
public enum StoreRoot {
    public static func resolve(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        isRoot: Bool = geteuid() == 0 && !RootlessProcess.isRootless
    ) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = environment["SWIFTBUILD_ROOT"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        if isRoot { return URL(fileURLWithPath: "/var/lib/swiftbuild") }
        let dataHome =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return URL(fileURLWithPath: dataHome).appendingPathComponent("swiftbuild")
    }
}
