#!/usr/bin/env bash
# Benchmark (not a test): `swiftbuild elf --format json` over every ELF file under /usr
# (regular files starting with \x7fELF), next to pax-utils' `lddtree` over the same list,
# in files per second of wall time, and the ratio.
#
#     Benchmarks/elf-scan.sh
#
# swiftbuild gets the list through xargs (a few processes of ~128 KiB of arguments each);
# files with findings make it exit 1, which is ignored. lddtree stops at the first file it
# cannot parse (a Python exception ends the process, and the rest of its batch with it), so
# it runs as its own main() once per file inside one Python process, each call in a
# try/except: the same per-file work as `lddtree FILE`, without a Python start per file.
# Both write their reports to /dev/null. Every listed file is read once beforehand to warm
# the page cache for both. Set SCRATCH_PATH to build somewhere other than .build-elfbench,
# ELF_SCAN_DIR to scan another directory.
set -euo pipefail

cd "$(dirname "$0")/.."
scratch=(--scratch-path "${SCRATCH_PATH:-.build-elfbench}")
directory="${ELF_SCAN_DIR:-/usr}"
work="$(mktemp -d /tmp/elf-scan-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "building swiftbuild (release)..." >&2
swift build -c release --product swiftbuild "${scratch[@]}" >&2
swiftbuild="$(swift build -c release "${scratch[@]}" --show-bin-path)/swiftbuild"

# lddtree is a Python script; Debian's python3 has pyelftools even when another python3
# comes first in PATH.
lddtree_script="$(command -v lddtree)" || { echo "lddtree is missing: install pax-utils" >&2; exit 1; }
python=(python3)
if [[ -x /usr/bin/python3 ]]; then python=(/usr/bin/python3); fi
"${python[@]}" -c 'import elftools' || { echo "pyelftools is missing: install python3-pyelftools" >&2; exit 1; }

# Every regular file under $directory whose first four bytes are \x7fELF, NUL-separated.
find "$directory" -type f -size +3c -print0 | python3 -c '
import sys
for path in sys.stdin.buffer.read().split(b"\0"):
    if not path:
        continue
    try:
        with open(path, "rb") as f:
            if f.read(4) == b"\x7fELF":
                sys.stdout.buffer.write(path + b"\0")
    except OSError:
        pass
' >"$work/list"
files="$(tr -cd '\0' <"$work/list" | wc -c)"
xargs -0 cat <"$work/list" >/dev/null  # warm the page cache

# lddtree_each LIST: lddtree's main() on each file of LIST in one Python process; prints
# the number of files it failed on to stderr.
lddtree_each() {
    "${python[@]}" - "$lddtree_script" "$1" <<'PYTHON'
import glob, importlib.machinery, importlib.util, os, sys
loader = importlib.machinery.SourceFileLoader("lddtree", sys.argv[1])
spec = importlib.util.spec_from_loader("lddtree", loader)
lddtree = importlib.util.module_from_spec(spec)
loader.exec_module(lddtree)
failed = 0
with open(sys.argv[2], "rb") as f:
    paths = [os.fsdecode(p) for p in f.read().split(b"\0") if p]
for path in paths:
    try:
        if lddtree.main([glob.escape(path)]):
            failed += 1
    except (Exception, SystemExit):
        failed += 1
print(failed, file=sys.stderr)
PYTHON
}

# seconds COMMAND...: runs COMMAND, prints its wall time in seconds.
seconds() {
    local start end
    start="$(date +%s.%N)"
    "$@" >/dev/null 2>"$work/stderr" || true
    end="$(date +%s.%N)"
    awk -v start="$start" -v end="$end" 'BEGIN { printf "%.3f", end - start }'
}

rate() { awk -v files="$1" -v seconds="$2" 'BEGIN { printf "%.1f", files / seconds }'; }

echo
echo "$files ELF files under $directory; $(nproc) CPUs"
elf_seconds="$(seconds xargs -0 -a "$work/list" "$swiftbuild" elf --format json)"
printf '%-30s %8s files/s  (%s s)\n' "swiftbuild elf --format json" "$(rate "$files" "$elf_seconds")" "$elf_seconds"
lddtree_seconds="$(seconds lddtree_each "$work/list")"
printf '%-30s %8s files/s  (%s s; %s files failed)\n' "lddtree" "$(rate "$files" "$lddtree_seconds")" "$lddtree_seconds" \
    "$(tail -n 1 "$work/stderr")"
echo "swiftbuild elf is $(awk -v a="$lddtree_seconds" -v b="$elf_seconds" 'BEGIN { printf "%.1f", a / b }')x as fast as lddtree"
