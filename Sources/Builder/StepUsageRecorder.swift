import Sandbox
import Synchronization

/// Hands what a RUN step used (measured by its cgroup) from the step's execution to the
/// stage's `stepFinished` event: a stage runs one step at a time, so one slot suffices.
final class StepUsageRecorder: Sendable {
    private let slot = Mutex<StepUsage?>(nil)

    func record(_ usage: StepUsage) { slot.withLock { $0 = usage } }

    /// The recorded usage, emptying the slot.
    func take() -> StepUsage? {
        slot.withLock { slot in
            defer { slot = nil }; return slot
        }
    }
}
