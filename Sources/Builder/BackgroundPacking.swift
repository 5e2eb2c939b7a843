import Dispatch
import OCI
import OCIArchive
import Store
import Synchronization

/// Packs the layers of exported stages (tar, compression, diff ID and blob digest) on a
/// queue of its own while the build goes on, one layer at a time, in the order the steps
/// committed them.
///
/// A step whose layer ends up in the image used to pack it before its `DONE`: seconds of
/// compression for a large `apt-get` layer, during which nothing else ran. Now the step
/// commits its snapshot unhashed, as a builder stage's step does, and queues the packing;
/// the next steps (a `pip install` waiting on the network, say) and the ELF check run
/// meanwhile, and the export waits for the queue (``drain()``) before it asks the store
/// for the packed layers, which it then finds ready. A pack that failed here is simply
/// done again by the export, which reports the failure. The queue is not Swift's
/// cooperative pool: packing blocks its thread for seconds.
final class BackgroundPacking: Sendable {
    private let queue = DispatchQueue(label: "swiftbuild.background-packing", qos: .userInitiated)
    private let cancelled = Atomic<Bool>(false)

    /// Queues the packing of the snapshot `name` by `packer` (kept in the store, with its
    /// diff ID and blob noted in the snapshot: ``ImageStore/ensurePackedLayer(forSnapshot:packer:)``).
    func pack(snapshot name: Digest, in store: ImageStore, with packer: LayerPacker, step: String) {
        queue.async { [self] in
            guard !cancelled.load(ordering: .relaxed) else { return }
            PhaseTrace.measure(step, "background-pack") {
                _ = try? store.ensurePackedLayer(forSnapshot: name, packer: packer)
            }
        }
    }

    /// Returns once every pack queued so far has ended.
    func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
    }

    /// For a build that failed: drops the packs not started yet and waits for the one
    /// running, so nothing writes to the store after the build has returned.
    func cancel() async {
        cancelled.store(true, ordering: .relaxed)
        await drain()
    }
}
