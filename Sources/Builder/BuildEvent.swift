import Foundation
import Sandbox

/// What a build reports as it goes, for the CLI to render.
public enum BuildEvent: Sendable {
    /// A step began: `[stage 2/5] RUN make`.
    case stepStarted(stage: String, step: Int, of: Int, instruction: String)
    /// A line of a RUN step's output.
    case output(stage: String, line: String)
    /// The final image's executables were checked (`--elf-check` warn or error).
    case elfChecked(ELFCheckReport, policy: ELFCheckPolicy)
    /// The current step ended; a RUN step's `usage` is what its cgroup measured (peak
    /// memory, CPU time).
    case stepFinished(stage: String, step: Int, duration: Duration, usage: StepUsage? = nil)
    /// The current step failed with `message` (the error's cause, as the build's error
    /// message words it); the build stops. A step stopped because another failed or the
    /// build was interrupted gets no such event.
    case stepFailed(stage: String, step: Int, message: String)
    /// The current step's result came from the build cache.
    case stepCached(stage: String, step: Int)
    /// The image was written.
    case exported(imageID: String, tags: [String])
}

/// Receives build events; called from the build's tasks.
public typealias BuildEventHandler = @Sendable (BuildEvent) -> Void
