import ArgumentParser
import Dispatch
import Foundation
import Synchronization

/// Turns Ctrl-C (SIGINT) and SIGTERM during a build into task cancellation, so the running
/// step's process tree is killed, its overlay unmounted and its work directory removed
/// before swiftbuild exits (130 for SIGINT, 143 for SIGTERM, as shells report them).
enum BuildInterruption {
    static func cancellingOnSignals<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let received = SignalRecord()
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                received.set(number)
                task.cancel()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        do {
            return try await task.value
        } catch {
            guard let number = received.value else { throw error }
            printToStandardError(
                "build interrupted by \(number == SIGINT ? "SIGINT" : "SIGTERM"); the running step was stopped and cleaned up")
            throw ExitCode(128 + number)
        }
    }
}

/// The signal that interrupted the build, set from the signal handler's queue.
private final class SignalRecord: Sendable {
    private let number = Mutex<Int32?>(nil)

    func set(_ value: Int32) { number.withLock { $0 = value } }
    var value: Int32? { number.withLock { $0 } }
}
