#!/usr/bin/env bash
# Benchmark (not a test): a two-platform build of the seed example (Examples/: two stages
# on busybox with RUN steps) with `swiftbuild build --platform linux/amd64,linux/arm64`
# and with `buildah bud --platform linux/amd64,linux/arm64 --manifest NAME`, in the same
# run, from the same two-architecture busybox base, no cache; prints the median wall
# seconds of each and the ratio. docs/performance.md holds the figures.
#
#     sudo Benchmarks/multi-platform.sh
#
# The arm64 RUN steps run under qemu-user-static: binfmt_misc must have `qemu-aarch64`
# registered with flag F (Debian's qemu-user-static and binfmt-support do that), for
# swiftbuild and buildah alike. The base is the two-architecture static busybox of the
# test bases (`busybox-multi`, an OCI archive of an index of linux/amd64 and linux/arm64,
# which scripts/oracle/bases makes); BASE_ARCHIVE names another one.
#
# Needs root, swift, buildah, skopeo, gcc (scripts/install-dependencies).
#
# Environment:
#   RUNS=3                 runs per tool (median)
#   SCRATCH_PATH=.build-bench  swiftbuild's release build directory
#   SWIFTBUILD=PATH        use this swiftbuild instead of building one
#   BASE_ARCHIVE=/var/tmp/swiftbuild-test-bases/busybox-multi.oci.tar
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"
runs="${RUNS:-3}"
base_archive="${BASE_ARCHIVE:-/var/tmp/swiftbuild-test-bases/busybox-multi.oci.tar}"

die() { echo "multi-platform.sh: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

[[ "$(id -u)" == 0 ]] || die "needs root (RUN steps need namespaces and overlay mounts)"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
for command in buildah skopeo gcc python3; do
    command -v "$command" >/dev/null || die "$command not found (scripts/install-dependencies)"
done
[[ -f "$base_archive" ]] || die "$base_archive not found: make it with scripts/oracle/bases (busybox-multi), or set BASE_ARCHIVE"
grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
    die "qemu-aarch64 is not registered in binfmt_misc with flag F (apt-get install qemu-user-static binfmt-support)"

if [[ -z "${SWIFTBUILD:-}" ]]; then
    scratch=(--scratch-path "${SCRATCH_PATH:-.build-bench}")
    say "building swiftbuild (release)..."
    swift build -c release --product swiftbuild "${scratch[@]}" >&2
    SWIFTBUILD="$(swift build -c release "${scratch[@]}" --show-bin-path)/swiftbuild"
fi

work="$(mktemp -d /tmp/swiftbuild-multi-bench.XXXXXX)"
driver=vfs
buildah_global=(--root "$work/buildah/root" --runroot "$work/buildah/runroot" --storage-driver "$driver")
cleanup() {
    set +e
    buildah "${buildah_global[@]}" rm --all >/dev/null 2>&1
    buildah "${buildah_global[@]}" rmi --all --force >/dev/null 2>&1
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | while read -r mount; do umount -l "$mount"; done
    rm -rf "$work"
}
trap cleanup EXIT
if buildah --root "$work/probe/root" --runroot "$work/probe/runroot" --storage-driver overlay info >/dev/null 2>&1; then
    driver=overlay
    buildah_global=(--root "$work/buildah/root" --runroot "$work/buildah/runroot" --storage-driver "$driver")
fi

examples="$work/examples"
cp -r "$repo/Examples" "$examples"
rm -f "$examples"/hello-static "$examples"/hello.tar "$examples"/image-id.txt
gcc -static -O2 -o "$examples/hello-static" "$examples/hello.c"

say "loading $base_archive into swiftbuild's store and buildah's storage..."
"$SWIFTBUILD" load -i "$base_archive" --root "$work/store" >/dev/null
"$SWIFTBUILD" tag "$("$SWIFTBUILD" images --root "$work/store" --format json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["name"])')" busybox --root "$work/store"
# skopeo cannot copy a list into containers-storage: each platform's image goes in under
# a tag of its own, then a manifest list of the two takes the name FROM uses.
storage="containers-storage:[$driver@$work/buildah/root+$work/buildah/runroot]"
buildah "${buildah_global[@]}" manifest create docker.io/library/busybox:latest >/dev/null
for arch in amd64 arm64; do
    skopeo --override-arch "$arch" --override-os linux copy -q "oci-archive:$base_archive" "${storage}docker.io/library/busybox:$arch"
    buildah "${buildah_global[@]}" manifest add --arch "$arch" --os linux docker.io/library/busybox:latest \
        "containers-storage:docker.io/library/busybox:$arch" >/dev/null
done

seconds() { python3 -c 'import time; print(time.monotonic())'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

swift_times=() buildah_times=()
for run in $(seq "$runs"); do
    start=$(seconds)
    "$SWIFTBUILD" build --root "$work/store" --no-cache --progress plain \
        --platform linux/amd64,linux/arm64 -t "bench:$run" "$examples" >"$work/swiftbuild-$run.log" 2>&1 ||
        { cat "$work/swiftbuild-$run.log" >&2; die "swiftbuild failed"; }
    end=$(seconds)
    swift_times+=("$(python3 -c "print(f'{$end - $start:.2f}')")")

    start=$(seconds)
    buildah "${buildah_global[@]}" bud --no-cache --layers --pull=never --isolation oci --network host \
        --platform linux/amd64,linux/arm64 --manifest "bench-list-$run" "$examples" >"$work/buildah-$run.log" 2>&1 ||
        { cat "$work/buildah-$run.log" >&2; die "buildah failed"; }
    end=$(seconds)
    buildah_times+=("$(python3 -c "print(f'{$end - $start:.2f}')")")
    say "run $run: swiftbuild ${swift_times[-1]} s, buildah ${buildah_times[-1]} s"
done

# Both made one image per platform.
platforms=$("$SWIFTBUILD" images --root "$work/store" --format json |
    python3 -c 'import json, sys; print(next(i["platform"] for i in json.load(sys.stdin) if i["name"] == "bench:1"))')
[[ "$platforms" == "linux/amd64,linux/arm64" ]] || die "swiftbuild's bench:1 is for '$platforms'"
listed=$(buildah "${buildah_global[@]}" manifest inspect bench-list-1 |
    python3 -c 'import json, sys; print(",".join(m["platform"]["os"] + "/" + m["platform"]["architecture"] for m in json.load(sys.stdin)["manifests"]))')
[[ "$listed" == "linux/amd64,linux/arm64" ]] || die "buildah's bench-list-1 is for '$listed'"

swift_median=$(printf '%s\n' "${swift_times[@]}" | median)
buildah_median=$(printf '%s\n' "${buildah_times[@]}" | median)
echo "two-platform seed build (linux/amd64,linux/arm64), median of $runs, no cache; buildah: $driver, runc"
printf '%-34s %6.2f s\n' "swiftbuild build --platform" "$swift_median"
printf '%-34s %6.2f s\n' "buildah bud --platform --manifest" "$buildah_median"
python3 -c "print(f'ratio swiftbuild / buildah: {$swift_median / $buildah_median:.2f}')"
