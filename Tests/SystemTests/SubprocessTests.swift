import Foundation
import Glibc
import System
import Testing

@Suite("System: programs swiftbuild runs")
struct SubprocessTests {
    @Test func runCollectsBothOutputsAndTheStatus() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "out\n")
        #expect(String(decoding: result.standardError, as: UTF8.self) == "err\n")
        let killed = try Subprocess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 128 + SIGKILL)
    }

    /// A megabyte on each pipe: neither fills up and stops the program while the other is read.
    @Test func bothPipesAreReadWhileTheProgramRuns() throws {
        let result = try Subprocess.run(
            "/bin/sh", ["-c", "head -c 1048576 /dev/zero >&2; head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"])
        #expect(result.status == 0)
        #expect(result.standardOutput.count == 1 << 20)
        #expect(result.standardError.count == 2 << 20)
    }

    /// The program starts with no signal blocked or ignored, whatever the starting thread
    /// blocks (here SIGTERM, as swiftbuild's threads do), and with standard input empty.
    @Test func theProgramStartsWithNoSignalBlockedOrIgnored() throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let result = try Subprocess.run("/bin/sh", ["-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; wc -c"])
        let lines = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n").map {
            $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        #expect(lines.first == "SigBlk: 0000000000000000")
        // Signals 1 to 31; glibc keeps its own two real-time signals (32 and 33) as it likes.
        let ignored = lines.dropFirst().first.flatMap { UInt64($0.dropFirst("SigIgn: ".count), radix: 16) }
        #expect(ignored.map { $0 & 0x7fff_ffff } == 0, "\(lines)")
        #expect(lines.last == "0")
    }

    @Test func aMissingProgramIsAnErrorNamingIt() {
        #expect(throws: SystemError.self) { try Subprocess.run("/nonexistent/program", []) }
        do {
            _ = try Subprocess.run("/nonexistent/program", [])
        } catch {
            #expect("\(error)".contains("/nonexistent/program"))
        }
    }

    @Test func aSpawnedProgramIsWaitedForOrSeenToEnd() throws {
        let pid = try Subprocess.spawn("/bin/sh", ["-c", "exit 7"])
        var status: Int32?
        while !Subprocess.hasEnded(pid, status: &status) { usleep(1000) }
        #expect(status == 7)
        let running = try Subprocess.spawn("/bin/sleep", ["100"])
        var none: Int32?
        #expect(!Subprocess.hasEnded(running, status: &none))
        kill(running, SIGTERM)
        #expect(Subprocess.wait(running) == 128 + SIGTERM)
    }
}
