#!/usr/bin/env bash
# Benchmark (not a test): swiftbuild next to `buildah bud --layers` (runc) and, when a
# Docker daemon is reachable, `docker build` with BuildKit, on the same machine in one run,
# from the same static-busybox base loaded into each. docs/performance.md says what each
# workload means and holds the figures.
#
#     sudo Benchmarks/run.sh
#     sudo Benchmarks/run.sh real [go c python apt]   real toolchain builds (real-builds.sh)
#
#   1  cold      Examples/' multi-stage Dockerfile, no cache
#   2  no-change the same again after a warm build, nothing changed
#   3  one-file  the same again after Examples/hello.c changed (a new comment each run)
#   4  copy      COPY of a ~150 MB context of 3000 files into the base, then the image
#                written as an OCI archive (docker 20.10 can only `docker save`), no cache
#   5  parallel  four independent stages of `RUN sleep 1` joined by a final stage, no cache
#   5o one-stage one such stage without the sleep, no cache: workload 5's goal is
#                1.5 s + this "cold overhead of one stage"
#
# Each figure is the median of RUNS runs (wall seconds, and the peak RSS GNU time reports:
# the largest resident set of the tool's process or of any process it waited for). The
# tools run in turn within each run, so drift on the machine hits all of them alike.
# Every tool gets its own temporary store under one directory that is removed at the end
# (with any mount left in it), and every build's RUN steps use the host's network, which
# is swiftbuild's default.
#
# Needs root, swift, buildah, runc, umoci, busybox-static, gcc, python3 and GNU time
# (scripts/install-dependencies; `apt-get install time`).
#
# Environment:
#   RUNS=5                 runs per workload and tool
#   SCRATCH_PATH=.build-bench  swiftbuild's release build directory
#   CONTEXT_MB=150         size of workload 4's context
#   RSS_CHECK_MB=300       also build workload 4 once with a context this large (swiftbuild
#                          only) to show whether peak RSS grows with the context; 0: skip
#   JOBS=4                 --jobs for workload 5 (swiftbuild and buildah)
#   BUILDAH_STORAGE_DRIVER overlay or vfs (default: overlay if it works, else vfs)
#   BUILDAH_ISOLATION      oci (runc) or chroot (default: oci if it works, else chroot)
#   BUILDAH_NETWORK=host   the network buildah's RUN steps get (`private` sets up a
#                          network namespace per step, as buildah does by default)
#   START_DOCKERD=1        if no daemon answers `docker info`, start dockerd for the run,
#                          with its own data root, socket, no bridge and no iptables rules,
#                          and stop it afterwards
#   DOCKER=PATH            the docker client to use (default: the first of `docker` and
#                          /usr/bin/docker that can build with BuildKit)
#   RESULTS=FILE           also write every figure as tab-separated lines to FILE
#   KEEP_LOGS=DIR          copy every build's output (and dockerd's) to DIR at the end
set -euo pipefail

cd "$(dirname "$0")/.."
# `Benchmarks/run.sh real [go] [c] [python] [apt]`: the real toolchain builds
# (Benchmarks/real-builds.sh, same environment variables) instead of the workloads below.
if [[ "${1:-}" == real ]]; then shift; exec Benchmarks/real-builds.sh "$@"; fi
repo="$PWD"
runs="${RUNS:-5}"
scratch="${SCRATCH_PATH:-.build-bench}"
context_mb="${CONTEXT_MB:-150}"
rss_check_mb="${RSS_CHECK_MB:-300}"
jobs="${JOBS:-4}"
buildah_network="${BUILDAH_NETWORK:-host}"
workloads="$repo/Benchmarks/workloads"

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

[[ "$(id -u)" == 0 ]] || die "needs root (RUN steps need namespaces and overlay mounts)"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
for command in swift buildah runc umoci python3 gcc; do
    command -v "$command" >/dev/null || die "$command not found (scripts/install-dependencies)"
done
gnu_time=/usr/bin/time
"$gnu_time" -f '%M' -o /dev/null true 2>/dev/null || die "GNU time not found at $gnu_time (apt-get install time)"

load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/swiftbuild-bench.XXXXXX)"
mkdir -p "$work/logs"
dockerd_pid=""
docker_mode=none      # none | started | external
docker_images=()
buildah_global=()

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    if [[ "$docker_mode" == started && -n "$dockerd_pid" ]]; then
        kill -TERM "$dockerd_pid" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$dockerd_pid" 2>/dev/null
        wait "$dockerd_pid" 2>/dev/null
    elif [[ "$docker_mode" == external && ${#docker_images[@]} -gt 0 ]]; then
        "${docker_client[@]}" rmi -f "${docker_images[@]}" >/dev/null 2>&1
    fi
    if [[ ${#buildah_global[@]} -gt 0 ]]; then
        buildah "${buildah_global[@]}" rm --all >/dev/null 2>&1
        buildah "${buildah_global[@]}" umount --all >/dev/null 2>&1
    fi
    # Anything still mounted under the work directory (containers/storage's overlay
    # mounts, dockerd's), deepest first.
    awk -v w="$work" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | while read -r mountpoint; do
            umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"
        done
    if [[ -n "${KEEP_LOGS:-}" ]]; then mkdir -p "$KEEP_LOGS" && cp -r "$work/logs/." "$KEEP_LOGS/"; fi
    rm -rf "$work"
    if grep -qF "$work" /proc/self/mountinfo || [[ -e "$work" ]]; then
        echo "run.sh: could not remove $work or a mount under it" >&2
        status=1
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- swiftbuild -------------------------------------------------------------------------

say "building swiftbuild (release, $scratch)..."
swift build -c release --product swiftbuild --scratch-path "$scratch" >&2
swiftbuild="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/swiftbuild"
build_help="$("$swiftbuild" build --help)"
have_no_cache=0; grep -q -- '--no-cache' <<<"$build_help" && have_no_cache=1
have_jobs=0; grep -q -- '--jobs' <<<"$build_help" && have_jobs=1

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
    revision="$revision+changes"
fi

# The base every Dockerfile here starts FROM (Examples/Dockerfile says `FROM busybox`).
base="$(awk 'toupper($1) == "FROM" { print $2; exit }' Examples/Dockerfile)"
[[ "$base" == *:* ]] || base="$base:latest"

say "making the static-busybox base ($base)..."
SWIFTBUILD="$swiftbuild" scripts/make-busybox-base --root "$work/base-store" "$base" >/dev/null
"$swiftbuild" save "$base" --root "$work/base-store" -o "$work/base.oci.tar"
"$swiftbuild" save "$base" --root "$work/base-store" -o "$work/base.docker.tar" --format docker-archive
rm -rf "$work/base-store"

# load_swiftbuild STORE: the base archive into a swiftbuild store, named $base.
load_swiftbuild() {
    local loaded
    loaded="$("$swiftbuild" load -i "$work/base.oci.tar" --root "$1")"
    loaded="${loaded#Loaded image: }"
    [[ "$loaded" == "$base" ]] || "$swiftbuild" tag "$loaded" "$base" --root "$1"
}
sb_store="$work/swiftbuild"
load_swiftbuild "$sb_store"

# --- buildah ----------------------------------------------------------------------------

echo 'FROM busybox' >"$work/probe.Dockerfile"
echo 'RUN echo probe > /probe.txt' >>"$work/probe.Dockerfile"
mkdir -p "$work/empty"

buildah_store() {
    buildah_global=(--root "$work/buildah/root" --runroot "$work/buildah/runroot" --storage-driver "$1")
}
buildah_load() {
    local id
    id="$(buildah "${buildah_global[@]}" pull -q "oci-archive:$work/base.oci.tar")" &&
        buildah "${buildah_global[@]}" tag "$id" "$base"
}
buildah_wipe() {
    buildah "${buildah_global[@]}" rm --all >/dev/null 2>&1 || true
    buildah "${buildah_global[@]}" rmi --all --force >/dev/null 2>&1 || true
    awk -v w="$work/buildah" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | while read -r mountpoint; do umount "$mountpoint" || umount -l "$mountpoint"; done
    rm -rf "$work/buildah"
}

say "setting up buildah..."
buildah_driver=""
for driver in ${BUILDAH_STORAGE_DRIVER:-overlay vfs}; do
    buildah_store "$driver"
    if buildah_load >"$work/logs/buildah-load-$driver.log" 2>&1; then buildah_driver="$driver"; break; fi
    buildah_wipe
done
[[ -n "$buildah_driver" ]] || die "buildah could not load the base with any storage driver ($(tail -3 "$work"/logs/buildah-load-*.log))"

buildah_isolation=()
for isolation in ${BUILDAH_ISOLATION:-oci chroot}; do
    candidate=(--isolation "$isolation")
    [[ "$isolation" == oci ]] && candidate+=(--runtime runc)
    if buildah "${buildah_global[@]}" bud --pull=never --network "$buildah_network" "${candidate[@]}" \
        -f "$work/probe.Dockerfile" "$work/empty" >"$work/logs/buildah-probe-$isolation.log" 2>&1; then
        buildah_isolation=("${candidate[@]}")
        break
    fi
done
[[ ${#buildah_isolation[@]} -gt 0 ]] || die "buildah could not run a RUN step ($(tail -3 "$work"/logs/buildah-probe-*.log))"
buildah_bud=(buildah "${buildah_global[@]}" bud --layers --pull=never --network "$buildah_network" "${buildah_isolation[@]}")
buildah_jobs=(); buildah bud --help 2>/dev/null | grep -q -- '--jobs' && buildah_jobs=(--jobs "$jobs")

# --- docker -----------------------------------------------------------------------------

docker_client=()
docker_note="no daemon answered \`docker info\` (START_DOCKERD=1 starts one)"
docker_candidates=()
if [[ -n "${DOCKER:-}" ]]; then docker_candidates=("$DOCKER"); else
    command -v docker >/dev/null && docker_candidates+=("$(command -v docker)")
    [[ -x /usr/bin/docker && "$(command -v docker)" != /usr/bin/docker ]] && docker_candidates+=(/usr/bin/docker)
fi
if [[ ${#docker_candidates[@]} -gt 0 ]]; then
    if "${docker_candidates[0]}" info >/dev/null 2>&1; then
        docker_mode=external
    elif [[ "${START_DOCKERD:-0}" == 1 ]] && command -v dockerd >/dev/null; then
        say "starting dockerd..."
        mkdir -p "$work/docker"
        dockerd --data-root "$work/docker/data" --exec-root "$work/docker/exec" \
            --pidfile "$work/docker/dockerd.pid" -H "unix://$work/docker/docker.sock" \
            --bridge=none --iptables=false >"$work/logs/dockerd.log" 2>&1 &
        dockerd_pid=$!
        docker_mode=started
        export DOCKER_HOST="unix://$work/docker/docker.sock"
        for _ in $(seq 60); do "${docker_candidates[0]}" info >/dev/null 2>&1 && break; sleep 0.5; done
        if ! "${docker_candidates[0]}" info >/dev/null 2>&1; then
            docker_note="dockerd did not start: $(tail -1 "$work/logs/dockerd.log")"
            docker_candidates=()
        fi
    fi
fi
if [[ "$docker_mode" != none && ${#docker_candidates[@]} -gt 0 ]]; then
    # The base is loaded as $base; into a daemon that was already running, that replaces
    # whatever image had that name. The images built here are removed at the end.
    if "${docker_candidates[0]}" load -i "$work/base.docker.tar" >"$work/logs/docker-load.log" 2>&1; then
        docker_note="no client could build with BuildKit"
        for client in "${docker_candidates[@]}"; do
            for candidate in "$client buildx build --load" "env DOCKER_BUILDKIT=1 $client build"; do
                read -r -a try <<<"$candidate"
                if "${try[@]}" --network host -t swiftbuild-bench-probe -f "$work/probe.Dockerfile" \
                    "$work/empty" >"$work/logs/docker-probe.log" 2>&1; then
                    docker_client=("$client")
                    docker_build=("${try[@]}" --network host)
                    docker_images+=(swiftbuild-bench-probe)
                    break 2
                fi
            done
        done
    else
        docker_note="docker load failed: $(tail -1 "$work/logs/docker-load.log")"
    fi
fi
docker_usable=0; [[ ${#docker_client[@]} -gt 0 ]] && docker_usable=1

# --- measuring --------------------------------------------------------------------------

declare -A seconds=() rss=()

# measure KEY TOOL RUN COMMAND...: runs COMMAND (output to a log), appends its wall time in
# seconds and its peak RSS in KiB to the figures of KEY/TOOL.
measure() {
    local key="$1" tool="$2" run="$3"; shift 3
    local log="$work/logs/$key-$tool-$run.log" start end
    sync
    start="$(date +%s%N)"
    if ! "$gnu_time" -f '%M' -o "$log.rss" "$@" >"$log" 2>&1; then
        echo "run.sh: workload $key, $tool, run $run failed: $*" >&2
        tail -20 "$log" >&2
        exit 1
    fi
    end="$(date +%s%N)"
    seconds[$key/$tool]+="$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }') "
    rss[$key/$tool]+="$(tail -1 "$log.rss") "
}

median() {
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) exit; printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Fresh copies of Examples/ so the one-file workload can edit hello.c; hello-static is
# compiled once, outside the timings.
examples="$work/examples"
cp -r Examples "$examples"
rm -f "$examples"/hello-static "$examples"/hello.tar "$examples"/image-id.txt
gcc -static -O2 -o "$examples/hello-static" "$examples/hello.c"

sb_cold=(); [[ $have_no_cache == 1 ]] && sb_cold=(--no-cache)
sb_jobs=(); [[ $have_jobs == 1 ]] && sb_jobs=(--jobs "$jobs")

# swiftbuild_cold RUN COMMAND-ARGS...: a cold swiftbuild build. Without --no-cache, each run
# gets a new store holding only the base, so nothing can be reused whatever the build
# command does.
swiftbuild_cold() {
    local key="$1" run="$2"; shift 2
    local store="$sb_store"
    if [[ $have_no_cache == 0 ]]; then
        store="$work/swiftbuild-cold"
        rm -rf "$store"
        load_swiftbuild "$store"
    fi
    measure "$key" swiftbuild "$run" "$swiftbuild" build --root "$store" --progress plain "${sb_cold[@]}" "$@"
    [[ $have_no_cache == 1 ]] || rm -rf "$store"
}

tools=(swiftbuild buildah)
[[ $docker_usable == 1 ]] && tools+=(docker)

# run_workload KEY: RUNS runs of workload KEY, the tools in turn within each run.
run_workload() {
    local key="$1" run tool
    for run in $(seq "$runs"); do
        [[ "$key" == onefile ]] && printf '/* benchmark edit %d %s */\n' "$run" "$(date +%s%N)" >>"$examples/hello.c"
        for tool in "${tools[@]}"; do "${key}_$tool" "$run"; done
    done
}

cold_swiftbuild() { swiftbuild_cold cold "$1" -f "$examples/Dockerfile" -t bench-hello "$examples"; }
cold_buildah() { measure cold buildah "$1" "${buildah_bud[@]}" --no-cache -t bench-hello -f "$examples/Dockerfile" "$examples"; }
cold_docker() { measure cold docker "$1" "${docker_build[@]}" --no-cache -t bench-hello -f "$examples/Dockerfile" "$examples"; }

warm_swiftbuild() { "$swiftbuild" build --root "$sb_store" --progress plain -f "$examples/Dockerfile" -t bench-hello "$examples"; }
warm_buildah() { "${buildah_bud[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }
warm_docker() { "${docker_build[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }

nochange_swiftbuild() { measure nochange swiftbuild "$1" "$swiftbuild" build --root "$sb_store" --progress plain -f "$examples/Dockerfile" -t bench-hello "$examples"; }
nochange_buildah() { measure nochange buildah "$1" "${buildah_bud[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }
nochange_docker() { measure nochange docker "$1" "${docker_build[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }

onefile_swiftbuild() { measure onefile swiftbuild "$1" "$swiftbuild" build --root "$sb_store" --progress plain -f "$examples/Dockerfile" -t bench-hello "$examples"; }
onefile_buildah() { measure onefile buildah "$1" "${buildah_bud[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }
onefile_docker() { measure onefile docker "$1" "${docker_build[@]}" -t bench-hello -f "$examples/Dockerfile" "$examples"; }

copy_swiftbuild() {
    swiftbuild_cold copy "$1" -f "$workloads/copy-context.Dockerfile" -t bench-copy \
        -o "type=oci,dest=$work/out/swiftbuild.tar" "$work/context"
    check_archive swiftbuild
}
copy_buildah() {
    local bud push
    printf -v bud '%q ' "${buildah_bud[@]}" --no-cache -t bench-copy -f "$workloads/copy-context.Dockerfile" "$work/context"
    printf -v push '%q ' buildah "${buildah_global[@]}" push -q bench-copy "oci-archive:$work/out/buildah.tar:bench-copy"
    measure copy buildah "$1" bash -c "$bud && $push"
    check_archive buildah
}
copy_docker() {
    local build save
    printf -v build '%q ' "${docker_build[@]}" --no-cache -t bench-copy -f "$workloads/copy-context.Dockerfile" "$work/context"
    printf -v save '%q ' "${docker_client[@]}" save -o "$work/out/docker.tar" bench-copy
    measure copy docker "$1" bash -c "$build && $save"
    check_archive docker
}
# check_archive TOOL: the archive TOOL wrote holds the context (at least half its size, as
# half of it is random bytes that do not compress), then goes.
check_archive() {
    local size
    size="$(stat -c %s "$work/out/$1.tar")"
    ((size > context_bytes / 2)) || die "$1 wrote a $size-byte archive for a $context_bytes-byte context"
    rm -f "$work/out/$1.tar"
}

onestage_swiftbuild() { swiftbuild_cold onestage "$1" -f "$workloads/one-stage.Dockerfile" -t bench-onestage "$work/empty"; }
onestage_buildah() { measure onestage buildah "$1" "${buildah_bud[@]}" --no-cache -t bench-onestage -f "$workloads/one-stage.Dockerfile" "$work/empty"; }
onestage_docker() { measure onestage docker "$1" "${docker_build[@]}" --no-cache -t bench-onestage -f "$workloads/one-stage.Dockerfile" "$work/empty"; }

parallel_swiftbuild() { swiftbuild_cold parallel "$1" "${sb_jobs[@]}" -f "$workloads/parallel-stages.Dockerfile" -t bench-parallel "$work/empty"; }
parallel_buildah() { measure parallel buildah "$1" "${buildah_bud[@]}" "${buildah_jobs[@]}" --no-cache -t bench-parallel -f "$workloads/parallel-stages.Dockerfile" "$work/empty"; }
parallel_docker() { measure parallel docker "$1" "${docker_build[@]}" --no-cache -t bench-parallel -f "$workloads/parallel-stages.Dockerfile" "$work/empty"; }

[[ $docker_usable == 1 ]] && docker_images+=(bench-hello bench-copy bench-onestage bench-parallel)

say "workload 1: cold multi-stage build ($runs runs)..."
run_workload cold
say "workload 2: rebuild, nothing changed..."
for tool in "${tools[@]}"; do "warm_$tool" >"$work/logs/warm-$tool.log" 2>&1 || die "warm build ($tool) failed"; done
run_workload nochange
say "workload 3: rebuild after hello.c changed..."
run_workload onefile
say "workload 4: COPY of a $context_mb MB context and an OCI archive..."
python3 "$workloads/make-context.py" "$work/context" "$context_mb"
context_files="$(find "$work/context" -type f | wc -l)"
context_bytes="$(du -sb --apparent-size "$work/context" | cut -f1)"
context_summary="$context_files files, $((context_bytes / 1000000)) MB"
mkdir -p "$work/out"
tar -cf - -C "$work/context" . | cat >/dev/null # the page cache holds the context for every tool alike
run_workload copy
rss_check_kib=""
if ((rss_check_mb > 0)); then
    say "workload 4 once more with a $rss_check_mb MB context (swiftbuild's peak RSS)..."
    rm -rf "$work/context"
    python3 "$workloads/make-context.py" "$work/context" "$rss_check_mb"
    context_bytes="$(du -sb --apparent-size "$work/context" | cut -f1)"
    swiftbuild_cold copybig 1 -f "$workloads/copy-context.Dockerfile" -t bench-copy \
        -o "type=oci,dest=$work/out/swiftbuild.tar" "$work/context"
    check_archive swiftbuild
    rss_check_kib="$(median "${rss[copybig/swiftbuild]}")"
fi
rm -rf "$work/context"
say "workload 5: four parallel stages, and the cold overhead of one stage..."
run_workload onestage
run_workload parallel

# --- report -----------------------------------------------------------------------------

mib() { [[ -n "$1" ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || printf -- '-'; }
ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || printf -- '-'; }
figure() { local v; v="$(median "${seconds[$1/$2]:-}")"; printf '%s' "${v:--}"; }
peak() { mib "$(median "${rss[$1/$2]:-}")"; }

declare -A title=(
    [cold]="1 cold multi-stage"
    [nochange]="2 rebuild, no change"
    [onefile]="3 rebuild, one file"
    [copy]="4 COPY ${context_mb}MB + OCI"
    [parallel]="5 4 parallel stages"
    [onestage]="5o one stage (overhead)"
)
# marks KEY: * when swiftbuild has no cache yet, + when workload 5 ran without --jobs.
marks() {
    local m=""
    [[ $have_no_cache == 1 ]] || m="*"
    [[ "$1" == parallel && $have_jobs == 0 ]] && m="$m+"
    printf '%s' "$m"
}

echo
echo "swiftbuild $revision ($("$swiftbuild" --version 2>/dev/null | head -1)), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
echo "buildah $(buildah --version | awk '{ print $3 }'): storage driver $buildah_driver, ${buildah_isolation[*]}, --network $buildah_network, --pull=never${buildah_jobs:+, ${buildah_jobs[*]} on workload 5}"
if [[ $docker_usable == 1 ]]; then
    echo "docker: server $("${docker_client[@]}" version -f '{{.Server.Version}}' 2>/dev/null) ($docker_mode daemon), client ${docker_client[*]}: ${docker_build[*]}"
else
    echo "docker: not measured: $docker_note"
fi
echo "swiftbuild: --no-cache $([[ $have_no_cache == 1 ]] && echo yes || echo 'not yet'), --jobs $([[ $have_jobs == 1 ]] && echo "yes ($jobs on workload 5)" || echo 'not yet')"
echo "load average: $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the machine skews every figure)"
echo "workload 4 context: $context_summary; medians of $runs runs; RSS = peak resident set (MiB)"
echo

# line WORKLOAD SWIFTBUILD BUILDAH RATIO DOCKER RATIO SWIFTBUILD-RSS BUILDAH-RSS
line() {
    printf '%-24s %13s %10s %10s' "$1" "$2" "$3" "$4"
    [[ $docker_usable == 1 ]] && printf ' %9s %9s' "$5" "$6"
    printf ' %8s %11s\n' "$7" "$8"
}
line workload "swiftbuild s" "buildah s" sb/buildah "docker s" sb/docker "sb RSS" "buildah RSS"
for key in cold nochange onefile copy parallel onestage; do
    sb="$(figure "$key" swiftbuild)"; bh="$(figure "$key" buildah)"; dk="$(figure "$key" docker)"
    line "${title[$key]}" "$sb$(marks "$key")" "$bh" "$(ratio "$sb" "$bh")" "$dk" "$(ratio "$sb" "$dk")" \
        "$(peak "$key" swiftbuild)" "$(peak "$key" buildah)"
    if [[ -n "${RESULTS:-}" ]]; then
        for tool in "${tools[@]}"; do
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$revision" "$key" "$tool" "$(figure "$key" "$tool")" \
                "$(median "${rss[$key/$tool]:-}")" "${seconds[$key/$tool]:-}" >>"$RESULTS"
        done
    fi
done
[[ $have_no_cache == 1 ]] || echo "* swiftbuild build has no --no-cache yet (no cache yet): cold runs used a new store holding only the base; rebuilds are full builds"
[[ $have_jobs == 1 ]] || echo "+ swiftbuild build has no --jobs yet"
[[ -n "$rss_check_kib" ]] && echo "workload 4 with a $rss_check_mb MB context: swiftbuild peak RSS $(mib "$rss_check_kib") MiB (1 run)"

echo
echo "goals (ratios swiftbuild/buildah of this run):"
goal() { # NAME VALUE LIMIT TEXT
    local verdict
    verdict="$(awk -v v="$2" -v l="$3" 'BEGIN { print (v != "" && v != "-" && v <= l) ? "PASS" : "MISS" }')"
    printf '  %-4s %-26s %s\n' "$verdict" "$1" "$4"
}
for spec in "cold:0.5:cold multi-stage" "nochange:0.2:no-change rebuild" "onefile:0.5:one-file rebuild" "copy:0.5:workload 4"; do
    IFS=: read -r key limit name <<<"$spec"
    r="$(ratio "$(figure "$key" swiftbuild)" "$(figure "$key" buildah)")"
    goal "$name" "$r" "$limit" "ratio $r (goal <= $limit)$(marks "$key")"
done
parallel_s="$(figure parallel swiftbuild)"; onestage_s="$(figure onestage swiftbuild)"
limit="$(awk -v o="$onestage_s" 'BEGIN { printf "%.3f", 1.5 + o }')"
goal "workload 5" "$parallel_s" "$limit" "$parallel_s s (goal <= 1.5 s + one-stage overhead $onestage_s s = $limit s)$(marks parallel)"
copy_rss="$(peak copy swiftbuild)"
goal "workload 4 peak RSS" "$copy_rss" 100 "$copy_rss MiB (goal < 100 MiB)"
if [[ -n "$rss_check_kib" ]]; then
    # "Does not grow with the context size": at most 10% more at RSS_CHECK_MB than at CONTEXT_MB.
    copy_kib="$(median "${rss[copy/swiftbuild]}")"
    goal "RSS flat as context grows" "$(ratio "$rss_check_kib" "$copy_kib")" 1.10 \
        "$(mib "$copy_kib") MiB at $context_mb MB, $(mib "$rss_check_kib") MiB at $rss_check_mb MB (goal: at most +10%)"
fi
