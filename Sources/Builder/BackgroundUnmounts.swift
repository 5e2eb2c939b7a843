import Dispatch
import Synchronization

/// Unmounts the overlays of finished steps on a queue of its own while the build goes on
/// (``StepMount/detachLayer()`` has moved their layers out). An unmount frees every dentry
/// the step made: 35–40 ms after an `apt-get install` of 10k files, which the step's `DONE`
/// no longer waits for. The build waits for the queue (``finish()``) before it tags
/// anything, and on failure; an unmount that failed fails the build there, naming the
/// mount point, and the work directory's removal does not enter that mount (the mount
/// goes with the process's private mount namespace). The queue is not Swift's cooperative
/// pool: an unmount blocks its thread.
final class BackgroundUnmounts: Sendable {
    private let queue = DispatchQueue(label: "swiftbuild.background-unmounts", qos: .userInitiated)
    private let firstError = Mutex<(any Error)?>(nil)

    /// Queues the unmount of `mount`, whose layer was detached (or a view, such as the
    /// stage a `COPY --from` read), and the removal of its directories.
    func unmount(_ mount: StepMount, step: String) {
        queue.async { [self] in
            do {
                try PhaseTrace.measure(step, "background-unmount") { try mount.unmountAndRemove() }
            } catch {
                firstError.withLock { $0 = $0 ?? error }
            }
        }
    }

    /// Returns once every unmount queued so far has ended; throws the first that failed.
    func finish() async throws {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
        if let error = firstError.withLock({ $0 }) { throw error }
    }
}
