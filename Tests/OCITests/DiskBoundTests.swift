import Foundation
import Glibc
import Testing

@testable import OCI
@testable import OCIArchive

/// Archives that claim more than they carry: a sparse entry stays sparse, and what one
/// extraction writes is bounded by the free space of the file system it writes to.
@Suite("Sparse entries and the disk budget", .serialized)
struct DiskBoundTests {
    /// A 1 TiB file with 4 KiB of data at its start and in its middle, archived by GNU tar
    /// with `--sparse`: a layer of a few KiB. Extracted, it keeps its holes.
    @Test func sparseEntryStaysSparse() throws {
        let work = try TemporaryDirectory()
        let source = try work.makeDirectory("source")
        try shell(
            """
            cd \(source) && truncate -s 1T big && printf 'head' | dd of=big conv=notrunc status=none \
              && printf 'middle' | dd of=big bs=1 seek=549755813888 conv=notrunc status=none
            """)
        let layer = work.path("layer.tar.gz")
        try shell("tar --sparse --numeric-owner -C \(source) -czf \(layer) big")
        let layerSize = try #require(FileManager.default.attributesOfItem(atPath: layer)[.size] as? Int)
        #expect(layerSize < 64 * 1024)

        let target = try work.makeDirectory("target")
        _ = try LayerExtractor.extract(layerAt: layer, into: target)
        var status = stat()
        #expect(lstat(target + "/big", &status) == 0)
        #expect(status.st_size == 1 << 40)
        #expect(Int(status.st_blocks) * 512 < 1 << 20, "allocated \(Int(status.st_blocks) * 512) bytes")
        #expect(try shell("head -c 4 \(target)/big") == "head")
        #expect(try shell("dd if=\(target)/big bs=1 skip=549755813888 count=6 status=none") == "middle")
    }

    /// 256 MiB of zeros (a 256 KiB gzip stream) extracted onto a 128 MiB tmpfs: refused
    /// before the file system is full, and the target is left empty.
    @Test(.enabled(if: getuid() == 0, "mounts a tmpfs"))
    func extractionStopsBeforeTheDiskIsFull() throws {
        let work = try TemporaryDirectory()
        let source = try work.makeDirectory("source")
        try shell("head -c 268435456 /dev/zero > \(source)/zeros")
        let layer = work.path("bomb.tar.gz")
        try shell("tar --numeric-owner -C \(source) -czf \(layer) zeros && rm \(source)/zeros")
        let small = try work.makeDirectory("small")
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=128m", "tmpfs", small])
        defer { _ = try? run("/bin/umount", [small]) }
        let target = small + "/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)

        #expect {
            try LayerExtractor.extract(layerAt: layer, into: target)
        } throws: { error in
            let text = "\(error)"
            return text.contains("No space left on device") && text.contains("nothing was kept") && text.contains("zeros")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        var space = statvfs()
        #expect(statvfs(small, &space) == 0)
        // At least the reserve (2% of 128 MiB) is still free.
        #expect(Int(space.f_bavail) * Int(space.f_frsize) >= (128 << 20) / 50)
    }

    @Test func reserveIsTwoPercentUpTo1GiB() {
        #expect(DiskBudget.reserve(totalBytes: 12 << 20) == (12 << 20) / 50)
        #expect(DiskBudget.reserve(totalBytes: 10 << 30) == (10 << 30) / 50)
        #expect(DiskBudget.reserve(totalBytes: 1 << 40) == 1 << 30)
    }
}
