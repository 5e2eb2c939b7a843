import Foundation
import OCI
import OCIArchive
import Store

extension ImageBuilder {
    /// Writes an image's final root filesystem to `destination`: as one tar (`asTar`,
    /// written beside the destination and renamed into place), or unpacked into a
    /// directory. An existing directory is written into as BuildKit does: the image's
    /// entries replace those of the same name (directories merge), the others stay; the
    /// tree is unpacked beside them first, so a failure leaves the directory as it was.
    public func exportRootFilesystem(of image: ImageDetails, to destination: URL, asTar: Bool) throws {
        try store.withContentLease { try exportRootFilesystemHoldingLease(of: image, to: destination, asTar: asTar) }
    }

    private func exportRootFilesystemHoldingLease(of image: ImageDetails, to destination: URL, asTar: Bool) throws {
        let base = try store.baseImage(of: image)
        let workDirectory = try store.makeWorkDirectory()
        defer { store.removeWorkDirectory(workDirectory) }
        let mount = try StepMount(over: LayerChain(image: base), in: workDirectory, step: "export")
        let tarPath =
            asTar
            ? destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())").path
            : workDirectory.appendingPathComponent("rootfs.tar").path
        do {
            _ = try LayerPacker(compression: .none).pack(directory: mount.merged.path, to: tarPath)
            try mount.unmount()
        } catch {
            try? mount.unmount()
            unlink(tarPath)
            throw error
        }
        if asTar {
            guard rename(tarPath, destination.path) == 0 else {
                unlink(tarPath)
                throw StoreError.io(path: destination.path, operation: "rename into place", errno: errno)
            }
            return
        }
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        if ((try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []).isEmpty {
            _ = try LayerExtractor.extract(layerAt: tarPath, into: destination.path, name: "root filesystem of \(image.name)")
            return
        }
        let staging = destination.appendingPathComponent(".swiftbuild-export-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: staging) }
        _ = try LayerExtractor.extract(layerAt: tarPath, into: staging.path, name: "root filesystem of \(image.name)")
        try DirectoryMerge.merge(staging.path, into: destination.path)
    }
}

extension ImageBuilder {
    /// Writes several images' root filesystems (a multi-platform build's), each in its
    /// own directory of `destination` named `directory`: into a directory (each as
    /// ``exportRootFilesystem(of:to:asTar:)`` writes one), or as one tar whose top-level
    /// directories they are (unpacked into the store's `tmp/` first, then packed; the tar
    /// is written beside the destination and renamed into place).
    public func exportRootFilesystems(of images: [(directory: String, image: ImageDetails)], to destination: URL, asTar: Bool) throws {
        guard asTar else {
            for (directory, image) in images {
                try exportRootFilesystem(of: image, to: destination.appendingPathComponent(directory), asTar: false)
            }
            return
        }
        try store.withContentLease {
            let workDirectory = try store.makeWorkDirectory()
            defer { store.removeWorkDirectory(workDirectory) }
            let root = workDirectory.appendingPathComponent("platforms")
            for (directory, image) in images {
                try exportRootFilesystem(of: image, to: root.appendingPathComponent(directory), asTar: false)
            }
            let tarPath = destination.deletingLastPathComponent().appendingPathComponent(
                ".\(destination.lastPathComponent).tmp-\(getpid())"
            ).path
            do {
                _ = try LayerPacker(compression: .none).pack(directory: root.path, to: tarPath)
            } catch {
                unlink(tarPath)
                throw error
            }
            guard rename(tarPath, destination.path) == 0 else {
                unlink(tarPath)
                throw StoreError.io(path: destination.path, operation: "rename into place", errno: errno)
            }
        }
    }
}

extension ImageBuilder {
    /// Calls `body` with the image's root filesystem mounted (an overlay of its snapshots
    /// whose changes are discarded), for reading files as the image holds them.
    public func withRootFilesystem<T>(of image: ImageDetails, _ body: (URL) throws -> T) throws -> T {
        try store.withContentLease {
            let base = try store.baseImage(of: image)
            let workDirectory = try store.makeWorkDirectory()
            defer { store.removeWorkDirectory(workDirectory) }
            let mount = try StepMount(over: LayerChain(image: base), in: workDirectory, step: "inspect")
            defer { try? mount.unmount() }
            return try body(mount.merged)
        }
    }
}
