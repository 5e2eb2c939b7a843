#!/usr/bin/env bash
# Benchmark (not a test): `swiftbuild elf --bundle DIR` next to pax-utils'
# `lddtree --copy-to-tree DIR` copying the same dynamic executables with their loader and
# libraries out of the host root, in wall seconds, each into a fresh directory on the same
# file system, page cache warmed by a first untimed run of each.
#
#     Benchmarks/elf-bundle.sh [PROGRAM...]
#
# The default programs are the dynamic ELF executables in /usr/bin (regular files; a
# symlink or script is left out). Set SCRATCH_PATH to build somewhere other than
# .build-elfbench, SWIFTBUILD to time an already built binary.
set -euo pipefail

cd "$(dirname "$0")/.."
scratch=(--scratch-path "${SCRATCH_PATH:-.build-elfbench}")
work="$(mktemp -d /tmp/elf-bundle-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [[ -n "${SWIFTBUILD:-}" ]]; then
    swiftbuild="$SWIFTBUILD"
else
    echo "building swiftbuild (release)..." >&2
    swift build -c release --product swiftbuild "${scratch[@]}" >&2
    swiftbuild="$(swift build -c release "${scratch[@]}" --show-bin-path)/swiftbuild"
fi
# lddtree is a Python script; Debian's python3 has pyelftools even when another python3
# comes first in PATH.
lddtree_script="$(command -v lddtree)" || { echo "lddtree is missing: install pax-utils" >&2; exit 1; }
python=(python3)
if [[ -x /usr/bin/python3 ]]; then python=(/usr/bin/python3); fi
"${python[@]}" -c 'import elftools' || { echo "pyelftools is missing: install python3-pyelftools" >&2; exit 1; }
lddtree=("${python[@]}" "$lddtree_script")

programs=("$@")
if [[ ${#programs[@]} -eq 0 ]]; then
    while IFS= read -r -d '' path; do
        # Dynamic executables only: a PT_INTERP program header.
        if head -c 4 "$path" | grep -q $'\x7fELF' && readelf -lW "$path" 2>/dev/null | grep -q 'Requesting program interpreter'; then
            programs+=("$path")
        fi
    done < <(find /usr/bin -maxdepth 1 -type f -print0)
fi

# seconds COMMAND...: runs COMMAND, prints its wall time in seconds.
seconds() {
    local start end
    start="$(date +%s.%N)"
    "$@" >/dev/null 2>>"$work/stderr" || true
    end="$(date +%s.%N)"
    awk -v start="$start" -v end="$end" 'BEGIN { printf "%.3f", end - start }'
}

"$swiftbuild" elf --bundle "$work/warm-swiftbuild" "${programs[@]}" >/dev/null 2>&1 || true
"${lddtree[@]}" --copy-to-tree "$work/warm-lddtree" "${programs[@]}" >/dev/null 2>&1 || true
files_swiftbuild="$(find "$work/warm-swiftbuild" -type f | wc -l)"
files_lddtree="$(find "$work/warm-lddtree" -type f | wc -l)"

echo
echo "${#programs[@]} dynamic executables; $(nproc) CPUs"
swiftbuild_seconds="$(seconds "$swiftbuild" elf --bundle "$work/swiftbuild" "${programs[@]}")"
printf '%-36s %8s s  (%s files copied)\n' "swiftbuild elf --bundle" "$swiftbuild_seconds" "$files_swiftbuild"
lddtree_seconds="$(seconds "${lddtree[@]}" --copy-to-tree "$work/lddtree" "${programs[@]}")"
printf '%-36s %8s s  (%s files copied)\n' "lddtree --copy-to-tree" "$lddtree_seconds" "$files_lddtree"
echo "swiftbuild elf --bundle is $(awk -v a="$lddtree_seconds" -v b="$swiftbuild_seconds" 'BEGIN { printf "%.1f", a / b }')x as fast as lddtree --copy-to-tree"
