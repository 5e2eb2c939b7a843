// layer-bench: packs a directory into a layer (gzip level 6 by default) with LayerPacker and prints
// the throughput, the CPU time (all threads), the digests and the peak resident set size.
// A benchmark, not a test: Benchmarks/layer-pack.sh runs it next to `tar | gzip` and
// `tar | pigz`.
//
//     layer-bench DIRECTORY [OUTPUT [COMPRESSION]]
//
// OUTPUT defaults to a temporary file, removed afterwards (`-` for the default too).
// COMPRESSION is `gzip` (level 6, the default), `gzip:N`, `zstd` (level 3), `zstd:N` or
// `uncompressed`, to compare the choices of `--output ...,compression=`.

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
guard (2...4).contains(arguments.count) else {
    fail("usage: layer-bench DIRECTORY [OUTPUT [gzip[:N]|zstd[:N]|uncompressed]]", status: 2)
}
let keepOutput = arguments.count >= 3 && arguments[2] != "-"
let output = keepOutput ? arguments[2] : "/tmp/layer-bench-\(getpid()).blob"
let compression: LayerCompression
switch arguments.count == 4 ? arguments[3].split(separator: ":").map(String.init) : ["gzip"] {
case ["gzip"]: compression = .gzip(level: 6)
case let parts where parts.count == 2 && parts[0] == "gzip" && Int(parts[1]) != nil: compression = .gzip(level: Int(parts[1])!)
case ["zstd"]: compression = .zstd(level: 3)
case let parts where parts.count == 2 && parts[0] == "zstd" && Int(parts[1]) != nil: compression = .zstd(level: Int(parts[1])!)
case ["uncompressed"]: compression = .none
default: fail("layer-bench: unknown compression \(arguments[3])", status: 2)
}
let start = now()
let cpuStart = cpuSeconds(usage())
let blob: LayerBlob
do {
    blob = try LayerPacker(compression: compression).pack(directory: arguments[1], to: output)
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
