#!/usr/bin/env bash
# Benchmark (not a test): packs a ~150 MB tree of a few thousand files (half compressible
# text, half random bytes) into a gzip layer with layer-bench (LayerPacker, gzip level 6)
# and reports MB/s and CPU seconds next to `tar -cf - DIR | gzip -6` and
# `tar -cf - DIR | pigz -6` on the same tree; checks the layer with `gzip -t` and compares
# its size with `gzip -6` of the very same tar; then reports layer-bench's peak RSS on the
# 150 MB tree and on a 300 MB one, to show that memory stays flat as the tree grows.
#
#     Benchmarks/layer-pack.sh
#
# MB/s is megabytes (10^6 bytes) of uncompressed tar stream per second of wall time; all
# three write their output to a file in the same temporary directory. Set SCRATCH_PATH to
# build somewhere other than .build, or LAYER_BENCH to a layer-bench binary to run it
# instead of building one (to compare two builds under the same conditions).
set -euo pipefail

cd "$(dirname "$0")/.."
scratch=(--scratch-path "${SCRATCH_PATH:-.build}")
work="$(mktemp -d /tmp/layer-pack-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [[ -n ${LAYER_BENCH:-} ]]; then
    bench="$LAYER_BENCH"
else
    echo "building layer-bench (release)..." >&2
    swift build -c release --product layer-bench "${scratch[@]}" >&2
    bench="$(swift build -c release "${scratch[@]}" --show-bin-path)/layer-bench"
fi

# make_tree DIR MEGABYTES: about MEGABYTES of files averaging 50 KB, 100 per directory,
# alternating text and random bytes, seeded (the tree of Benchmarks/run.sh's workload 4).
make_tree() { python3 Benchmarks/workloads/make-context.py "$1" "$2"; }

# seconds COMMAND...: runs COMMAND, prints its wall time in seconds.
seconds() {
    local start end
    start="$(date +%s.%N)"
    "$@"
    end="$(date +%s.%N)"
    awk -v start="$start" -v end="$end" 'BEGIN { printf "%.3f", end - start }'
}

rate() { awk -v bytes="$1" -v seconds="$2" 'BEGIN { printf "%.1f", bytes / 1e6 / seconds }'; }

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

tar_gzip() { tar -cf - -C "$1" . | gzip -6 >"$work/tar.gz"; }
tar_pigz() { tar -cf - -C "$1" . | pigz -6 >"$work/tar.pigz.gz"; }

declare -A rss
for megabytes in 150 300; do
    tree="$work/tree$megabytes"
    make_tree "$tree" "$megabytes"
    files="$(find "$tree" -type f | wc -l)"
    tar_bytes="$(tar -cf - -C "$tree" . | wc -c)"  # also warms the page cache for all three
    report="$("$bench" "$tree" "$work/layer.tar.gz")"
    rss[$megabytes]="$(field peak_rss_kib "$report")"
    if [[ $megabytes == 150 ]]; then
        echo
        echo "tree: $files files, $(du -sm --apparent-size "$tree" | cut -f1) MB, tar stream $tar_bytes bytes; $(nproc) CPUs"
        echo "layer-bench digest $(field digest "$report")"
        echo "layer-bench diffID $(field diff_id "$report")"
        cpu="$(field cpu_seconds "$report")"
        if [[ -n $cpu ]]; then cpu="$(printf '%.1f' "$cpu")"; else cpu="?"; fi  # an older layer-bench
        printf '%-34s %8s MB/s  (%s bytes out, %s CPU seconds)\n' \
            "layer-bench (LayerPacker, gzip 6)" "$(printf '%.1f' "$(field mb_per_s "$report")")" "$(field blob_bytes "$report")" "$cpu"
        gzip -t "$work/layer.tar.gz"
        echo "layer passes gzip -t; the same tar compressed by others, and layer-bench's blob against each:"
        gzip -dc "$work/layer.tar.gz" >"$work/layer.tar"
        for compressor in "gzip -6" "pigz -6" "zlib 6 (serial)"; do
            if [[ $compressor == zlib* ]]; then
                size="$(python3 -c 'import sys, zlib; print(len(zlib.compress(open(sys.argv[1], "rb").read(), 6)) + 12)' \
                    "$work/layer.tar")"  # zlib's 6-byte wrapper swapped for gzip's 18
            else
                size="$($compressor -n <"$work/layer.tar" | wc -c)"
            fi
            printf '    %-18s %10s bytes  %s\n' "$compressor" "$size" "$(awk -v ours="$(field blob_bytes "$report")" \
                -v theirs="$size" 'BEGIN { printf "%+.2f%%", (ours - theirs) * 100 / theirs }')"
        done
        rm "$work/layer.tar"
        gzip_seconds="$(seconds tar_gzip "$tree")"
        printf '%-34s %8s MB/s  (%s bytes out)\n' "tar -cf - DIR | gzip -6" "$(rate "$tar_bytes" "$gzip_seconds")" \
            "$(stat -c %s "$work/tar.gz")"
        pigz_seconds="$(seconds tar_pigz "$tree")"
        printf '%-34s %8s MB/s  (%s bytes out)\n' "tar -cf - DIR | pigz -6" "$(rate "$tar_bytes" "$pigz_seconds")" \
            "$(stat -c %s "$work/tar.pigz.gz")"
    fi
    rm -rf "$tree"
done
echo
echo "layer-bench peak RSS: 150 MB tree ${rss[150]} KiB, 300 MB tree ${rss[300]} KiB"
