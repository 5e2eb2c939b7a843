#!/usr/bin/env bash
# Benchmark (not a test): gzip engines in a block-parallel scheme of 1 MiB blocks
# (Benchmarks/DeflateCompare/deflate-compare.c): zlib (swiftbuild's engine until December
# 2026) and Intel ISA-L's igzip with each block primed with the 32 KiB before it as a
# preset dictionary, and libdeflate (swiftbuild's engine since) with each block a gzip
# member of its own, on
# workload 4's tree (Benchmarks/workloads/make-context.py, 150 MB, half random bytes) and on
# any tar given as an argument (a base image's layer, decompressed). Prints CPU seconds and
# compressed sizes, and checks every output with gzip -t and Python's gzip module.
#
#     apt-get install -y libisal-dev   # not a dependency of swiftbuild (libdeflate-dev is)
#     Benchmarks/deflate-compare.sh [TAR...]
set -euo pipefail

cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/deflate-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/deflate-compare" Benchmarks/DeflateCompare/deflate-compare.c -lisal -ldeflate -lz -lpthread
python3 Benchmarks/workloads/make-context.py "$work/tree" 150
tar -cf "$work/workload4.tar" -C "$work/tree" .
rm -rf "$work/tree"
threads="$(nproc)"
for input in "$work/workload4.tar" "$@"; do
    echo "$input:"
    for run in "zlib 6" "zlib 1" "isal 1" "isal 2" "isal 3" "libdeflate 1" "libdeflate 4" "libdeflate 6" "libdeflate 9"; do
        read -r engine level <<<"$run"
        "$work/deflate-compare" "$engine" "$level" "$threads" "$input" "$work/out.gz"
        gzip -t "$work/out.gz"
        python3 -c 'import gzip, sys; gzip.open(sys.argv[1]).read()' "$work/out.gz"
    done
done
