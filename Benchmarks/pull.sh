#!/usr/bin/env bash
# Benchmark (not a test): pulls a ~150 MB image of 5 layers (30 MB of random bytes each,
# so gzip cannot shrink them) from a local docker-registry on 127.0.0.1, with
# `swiftbuild pull` into an empty store and with `skopeo copy docker://... oci:DIR` into
# an empty OCI layout, in the same run, and prints the wall time and MB/s of each.
#
#     Benchmarks/pull.sh
#
# Needs docker-registry, skopeo, umoci (scripts/install-dependencies). Uses the
# swiftbuild of $SWIFTBUILD when set, else builds one (release) in SCRATCH_PATH
# (default .build). Both clients verify every blob's digest and write it to disk.
set -euo pipefail

cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/pull-bench.XXXXXX)"
registry_pid=""
cleanup() {
    if [[ -n "$registry_pid" ]]; then kill "$registry_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "${SWIFTBUILD:-}" ]]; then
    scratch=(--scratch-path "${SCRATCH_PATH:-.build}")
    echo "building swiftbuild (release)..." >&2
    swift build -c release --product swiftbuild "${scratch[@]}" >&2
    SWIFTBUILD="$(swift build -c release "${scratch[@]}" --show-bin-path)/swiftbuild"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

echo "making a 5-layer image of 5 x 30 MB random files..." >&2
umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:bench" >/dev/null
for layer in 1 2 3 4 5; do
    rm -rf "$work/bundle"
    umoci unpack --image "$work/layout:bench" "$work/bundle" >/dev/null
    head -c $((30 * 1000 * 1000)) /dev/urandom > "$work/bundle/rootfs/layer-$layer.bin"
    umoci repack --image "$work/layout:bench" "$work/bundle" >/dev/null
done
rm -rf "$work/bundle"
image="127.0.0.1:$port/bench/big:latest"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:bench" "docker://$image"
bytes=$(skopeo inspect --tls-verify=false "docker://$image" --raw | python3 -c \
    'import json, sys; m = json.load(sys.stdin); print(sum(l["size"] for l in m["layers"]) + m["config"]["size"])')

seconds() { python3 -c 'import time; print(time.monotonic())'; }
report() { # NAME START END
    python3 - "$1" "$2" "$3" "$bytes" <<'PYTHON'
import sys
name, start, end, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"{name:<28} {end - start:6.2f} s  {size / 1e6 / (end - start):7.1f} MB/s")
PYTHON
}

echo "pulling $((bytes / 1000000)) MB in 5 layers from $image" >&2
sync
start=$(seconds)
"$SWIFTBUILD" pull -q --root "$work/store" "$image" >/dev/null
end=$(seconds)
report "swiftbuild pull" "$start" "$end"

sync
start=$(seconds)
skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/skopeo-layout:big"
end=$(seconds)
report "skopeo copy (oci:DIR)" "$start" "$end"
