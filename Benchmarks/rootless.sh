#!/usr/bin/env bash
# Benchmark (not a test): the seed example (Examples/' multi-stage Dockerfile, no cache)
# built by swiftbuild as root, by swiftbuild rootless and by `buildah bud` rootless (the
# same unprivileged user, its own storage), in one run, with the ratios.
#
#     sudo Benchmarks/rootless.sh [SWIFTBUILD_BINARY]
#
# Makes the user swiftbuild-rootless-bench (subordinate range 300000-365535) and removes
# it, its home and every store at the end. Each figure is the median of RUNS wall times;
# the tools run in turn within each run. buildah uses its overlay storage driver unless
# BUILDAH_STORAGE_DRIVER says otherwise, chroot isolation unless BUILDAH_ISOLATION does, and
# the host's network (swiftbuild's default).
#
# Needs root, gcc, buildah, umoci, busybox-static, uidmap (scripts/install-dependencies).
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"
swiftbuild="$(realpath "${1:-.build/release/swiftbuild}")"
runs="${RUNS:-3}"
user=swiftbuild-rootless-bench
driver="${BUILDAH_STORAGE_DRIVER:-overlay}"
isolation="${BUILDAH_ISOLATION:-chroot}"

[[ $(id -u) == 0 ]] || { echo "rootless.sh: run as root (it makes the test user)" >&2; exit 1; }
[[ -x "$swiftbuild" ]] || { echo "rootless.sh: no swiftbuild at $swiftbuild (swift build -c release)" >&2; exit 1; }

work=$(mktemp -d /tmp/swiftbuild-rootless-bench.XXXXXX)
cleanup() {
  rm -rf "$work"
  userdel -r -f "$user" >/dev/null 2>&1 || true
}
trap cleanup EXIT
userdel -r -f "$user" >/dev/null 2>&1 || true
useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$user"
home=$(getent passwd "$user" | cut -d: -f6)
chmod 0755 "$work"

# The context and the base, readable by the user.
cp -r Examples "$work/context"
gcc -static -O2 -o "$work/context/hello-static" "$work/context/hello.c"
SWIFTBUILD="$swiftbuild" scripts/make-busybox-base --root "$work/base-store" >/dev/null
"$swiftbuild" save busybox -o "$work/busybox.tar" --root "$work/base-store" >/dev/null
chmod -R a+rX "$work"

as_user() { runuser -u "$user" -- env HOME="$home" XDG_RUNTIME_DIR="$home/run" "$@"; }
as_user mkdir -p "$home/run"
as_user buildah --storage-driver "$driver" pull -q "oci-archive:$work/busybox.tar" >/dev/null
as_user buildah --storage-driver "$driver" tag "$(as_user buildah --storage-driver "$driver" images -q | head -1)" busybox >/dev/null

# Wall seconds of a command that must succeed (its output goes to $work/last.log).
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/last.log" 2>&1 || { echo "rootless.sh: failed: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A times
for run in $(seq "$runs"); do
  rm -rf "$work/root-store" && "$swiftbuild" load -i "$work/busybox.tar" --root "$work/root-store" >/dev/null
  times[root]+="$(seconds "$swiftbuild" build --root "$work/root-store" -t hello "$work/context")"$'\n'

  as_user rm -rf "$home/store" && as_user "$swiftbuild" load -i "$work/busybox.tar" --root "$home/store" >/dev/null
  times[rootless]+="$(seconds as_user "$swiftbuild" build --root "$home/store" -t hello "$work/context")"$'\n'
  as_user "$swiftbuild" prune --all --root "$home/store" >/dev/null

  as_user buildah --storage-driver "$driver" rmi -f hello >/dev/null 2>&1 || true
  times[buildah]+="$(seconds as_user buildah --storage-driver "$driver" bud --isolation "$isolation" --network host --layers=false -t hello "$work/context")"$'\n'
done

root=$(printf '%s' "${times[root]}" | median)
rootless=$(printf '%s' "${times[rootless]}" | median)
buildah=$(printf '%s' "${times[buildah]}" | median)
printf 'seed example, median of %s runs (wall seconds)\n' "$runs"
printf '  swiftbuild root      %6.2f\n' "$root"
printf '  swiftbuild rootless  %6.2f  (%.2fx root)\n' "$rootless" "$(echo "$rootless / $root" | bc -l)"
printf '  buildah rootless     %6.2f  (swiftbuild rootless is %.2fx faster)\n' "$buildah" "$(echo "$buildah / $rootless" | bc -l)"
as_user buildah --storage-driver "$driver" rmi -a -f >/dev/null 2>&1 || true
as_user "$swiftbuild" prune --all --root "$home/store" >/dev/null 2>&1 || true
