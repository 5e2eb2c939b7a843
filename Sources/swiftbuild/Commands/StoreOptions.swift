import ArgumentParser
import Foundation
import Store

/// `--root`: which store a command uses.
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The store directory (default: $SWIFTBUILD_ROOT, else /var/lib/swiftbuild for root, else $XDG_DATA_HOME/swiftbuild).",
            valueName: "DIR"))
    var root: String?

    func openStore() throws -> ImageStore {
        try ImageStore(root: StoreRoot.resolve(explicit: root))
    }
}
