#!/usr/bin/env bash
# Benchmark (not a test): zlib against Intel ISA-L's igzip in swiftbuild's block-parallel
# gzip scheme (1 MiB blocks, each primed with the 32 KiB before it as a preset dictionary,
# sync-flushed, the last one finished; Benchmarks/DeflateCompare/deflate-compare.c), on
# workload 4's tree (Benchmarks/workloads/make-context.py, 150 MB, half random bytes) and on
# any tar given as an argument (a base image's layer, decompressed). Prints CPU seconds and
# compressed sizes, and checks every output with gzip -t and Python's gzip module.
#
#     apt-get install -y libisal-dev   # not a dependency of swiftbuild
#     Benchmarks/deflate-compare.sh [TAR...]
set -euo pipefail

cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/deflate-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/deflate-compare" Benchmarks/DeflateCompare/deflate-compare.c -lisal -lz -lpthread
python3 Benchmarks/workloads/make-context.py "$work/tree" 150
tar -cf "$work/workload4.tar" -C "$work/tree" .
rm -rf "$work/tree"
threads="$(nproc)"
for input in "$work/workload4.tar" "$@"; do
    echo "$input:"
    for run in "zlib 6" "zlib 1" "isal 1" "isal 2" "isal 3"; do
        read -r engine level <<<"$run"
        "$work/deflate-compare" "$engine" "$level" "$threads" "$input" "$work/out.gz"
        gzip -t "$work/out.gz"
        python3 -c 'import gzip, sys; gzip.open(sys.argv[1]).read()' "$work/out.gz"
    done
done
