import Foundation
import OCI
import Testing

@testable import Builder

/// The lower directories of a step's overlay when the chain repeats a snapshot.
@Suite("Overlay lower directories")
struct OverlayLowerDirectoryTests {
    @Test func aRepeatedSnapshotIsKeptAtItsTopmostPlace() {
        var chain = LayerChain(scratchFor: Platform(architecture: "amd64", os: "linux"))
        chain.directories = ["/s/a/fs", "/s/b/fs", "/s/a/fs", "/s/c/fs", "/s/b/fs"].map { URL(fileURLWithPath: $0) }
        // Bottom first a, b, a, c, b: top first b, c, a (the upper a; the lower b and a dropped).
        #expect(chain.overlayLowerDirectories.map(\.path) == ["/s/b/fs", "/s/c/fs", "/s/a/fs"])
    }
}
