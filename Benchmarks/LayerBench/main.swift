// layer-bench: packs a directory into a gzip layer (level 6) with LayerPacker and prints
// the throughput, the CPU time (all threads), the digests and the peak resident set size.
// A benchmark, not a test: Benchmarks/layer-pack.sh runs it next to `tar | gzip` and
// `tar | pigz`.
//
//     layer-bench DIRECTORY [OUTPUT]
//
// OUTPUT defaults to a temporary file, removed afterwards.

import Glibc
import OCI
import OCIArchive

/// Seconds on the monotonic clock.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Prints `message` on standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    let line = message + "\n"
    _ = write(STDERR_FILENO, line, line.utf8.count)
    exit(status)
}

/// The process's resource usage so far.
func usage() -> rusage {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage
}

/// User plus system CPU time in seconds, over all threads.
func cpuSeconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3 else {
    fail("usage: layer-bench DIRECTORY [OUTPUT]", status: 2)
}
let keepOutput = arguments.count == 3
let output = keepOutput ? arguments[2] : "/tmp/layer-bench-\(getpid()).tar.gz"
let start = now()
let cpuStart = cpuSeconds(usage())
let blob: LayerBlob
do {
    blob = try LayerPacker(compression: .gzip(level: 6)).pack(directory: arguments[1], to: output)
} catch {
    fail("layer-bench: \(error)", status: 1)
}
let seconds = now() - start
let finalUsage = usage()
if !keepOutput {
    unlink(output)
}
let megabytes = Double(blob.uncompressedSize) / 1_000_000
print("tar_bytes=\(blob.uncompressedSize) blob_bytes=\(blob.size) seconds=\(seconds)")
print("mb_per_s=\(megabytes / seconds) cpu_seconds=\(cpuSeconds(finalUsage) - cpuStart) peak_rss_kib=\(finalUsage.ru_maxrss)")
print("digest=\(blob.digest) diff_id=\(blob.diffID)")
