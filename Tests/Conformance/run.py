#!/usr/bin/env python3
"""Differential conformance suite: builds every case with BuildKit (docker 20.10's, the
oracle) and with swiftbuild, exports both images, flattens them and compares the file
trees and configs exactly. A difference passes only when known-differences.json lists it
(with its reason, documented in docs/dockerfile.md); any other difference fails the suite.

    run.py --swiftbuild BIN --docker-host unix:///.../docker.sock --bases DIR [--only GLOB]...

A case is a directory under cases/:
    Dockerfile     `@BASE@` is replaced by the base image's name for each base;
                   `@PROBE name@` by a shell command that records what a RUN step sees
                   (env, id, pwd, umask, hostname, /etc/hosts, /etc/resolv.conf, ulimit -a)
                   in /probe/name/ (a root RUN must have made /probe with mode 1777 first)
    bases          the bases to build on: scratch, busybox, debian (one line)
    context/       the build context (optional; copied, so setup can change it)
    setup          shell script run as root in the copied context (optional): what git
                   cannot hold (owners, setuid bits, hard links, xattrs, tars)
    args           `--build-arg`s, one KEY=VALUE a line (optional)
    target         the stage to build (optional)
    expect-fail    present: both builders must fail (and nothing is compared)
"""
import argparse
import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOCKER = "/usr/bin/docker"
BASES = {
    "scratch": ("scratch", None),
    "busybox": ("oracle-busybox:latest", "busybox"),
    "debian": ("oracle-debian:bookworm", "debian"),
}
PROBE = ('RUN d=/probe/{0}; mkdir -p $d && env > $d/env && env | sort > $d/env.sorted && id > $d/id && '
         'pwd > $d/pwd && umask > $d/umask && hostname > $d/hostname && cat /etc/hosts > $d/hosts && '
         'cat /etc/resolv.conf > $d/resolv.conf && ulimit -a > $d/ulimit')


def run(cmd, env=None, timeout=900):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace")


def error_line(text):
    """The builder's own error, without the temporary paths: what a listed difference matches."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    for l in reversed(lines):
        m = re.search(r"Dockerfile:(\d+): (.*)", l)
        if m:
            return f"Dockerfile:{m.group(1)}: {m.group(2)}"
    return re.sub(r"/tmp/swiftbuild-conformance\.[^/ ]*/", "", lines[-1]) if lines else ""


def tail(text, n=12):
    return "\n".join("      " + l for l in text.rstrip().splitlines()[-n:])


class Suite:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="swiftbuild-conformance.")
        self.store = os.path.join(self.work, "store")
        self.denv = dict(os.environ, DOCKER_HOST=args.docker_host, DOCKER_BUILDKIT="1")
        self.denv.pop("DOCKER_CONTEXT", None)
        self.serial = 0

    def sb(self, *a):
        return run([self.args.swiftbuild, *a, "--root", self.store])

    def docker(self, *a):
        return run([DOCKER, *a], env=self.denv)

    def load_bases(self):
        for name, (ref, stem) in BASES.items():
            if stem is None:
                continue
            for tool, path in (("docker", f"{stem}.docker.tar"), ("swiftbuild", f"{stem}.oci.tar")):
                full = os.path.join(self.args.bases, path)
                if tool == "docker":
                    rc, out = self.docker("load", "-i", full)
                else:
                    rc, out = self.sb("load", "-i", full)
                if rc != 0:
                    raise SystemExit(f"conformance: {tool} could not load {full}:\n{out}")

    def build(self, case_dir, base):
        """Builds one case on one base with both builders; returns (differences, notes)."""
        self.serial += 1
        wd = os.path.join(self.work, f"{self.serial:03d}")
        os.makedirs(wd)
        ctx = os.path.join(wd, "context")
        if os.path.isdir(os.path.join(case_dir, "context")):
            shutil.copytree(os.path.join(case_dir, "context"), ctx, symlinks=True)
        else:
            os.makedirs(ctx)
        setup = os.path.join(case_dir, "setup")
        if os.path.exists(setup):
            rc, out = run(["bash", "-c", 'cd "$1" && bash -euo pipefail "$2"', "setup", ctx, setup])
            if rc != 0:
                return [f"setup failed: {out.strip()}"], []
        text = open(os.path.join(case_dir, "Dockerfile")).read()
        text = text.replace("@BASE@", BASES[base][0])
        text = re.sub(r"@PROBE (\S+)@", lambda m: PROBE.format(m.group(1)), text)
        dockerfile = os.path.join(wd, "Dockerfile")
        with open(dockerfile, "w") as f:
            f.write(text)
        extra = []
        if os.path.exists(os.path.join(case_dir, "args")):
            for line in open(os.path.join(case_dir, "args")).read().splitlines():
                if line.strip():
                    extra += ["--build-arg", line.strip()]
        if os.path.exists(os.path.join(case_dir, "target")):
            extra += ["--target", open(os.path.join(case_dir, "target")).read().strip()]
        expect_fail = os.path.exists(os.path.join(case_dir, "expect-fail"))

        tag = f"oracle-case:{self.serial}"
        drc, dout = self.docker("build", "--network", "host", "-f", dockerfile, "-t", tag, *extra, ctx)
        darch = os.path.join(wd, "docker.tar")
        dconfig = None
        if drc == 0:
            rc, out = self.docker("save", "-o", darch, tag)
            if rc != 0 and "empty export" in out:
                # docker 20.10 cannot save an image without layers; its config is all there is.
                rc, out = self.docker("image", "inspect", tag)
                info = json.loads(out)[0] if rc == 0 else {}
                dconfig = {"config": info.get("Config"), "author": info.get("Author"),
                           "os": info.get("Os"), "architecture": info.get("Architecture")}
            self.docker("rmi", tag)
            if rc != 0:
                return [f"docker save failed: {out.strip()}"], []
        sarch = os.path.join(wd, "swiftbuild.tar")
        src, sout = self.sb("build", "-f", dockerfile, "--network", "host", "--elf-check", "off",
                            "--progress", "plain", "-o", f"type=docker,dest={sarch}", *extra, ctx)
        notes = []
        try:
            if drc != 0 or src != 0:
                if drc != 0 and src != 0:
                    if expect_fail:
                        return [], []
                    return [f"build: both fail (BuildKit: {error_line(dout)}; swiftbuild: {error_line(sout)})"], \
                        ["BuildKit:\n" + tail(dout), "swiftbuild:\n" + tail(sout)]
                if drc != 0:
                    return [f"build: BuildKit fails, swiftbuild succeeds: {error_line(dout)}"], ["BuildKit:\n" + tail(dout)]
                return [f"build: swiftbuild fails, BuildKit succeeds: {error_line(sout)}"], ["swiftbuild:\n" + tail(sout)]
            if expect_fail:
                return ["build: both succeed, the case expects both to fail"], []
            return self.compare(darch, sarch, dconfig)
        finally:
            if not self.args.keep:
                shutil.rmtree(wd, ignore_errors=True)

    def compare(self, darch, sarch, dconfig=None):
        dconf, dlayers = (dconfig, []) if dconfig else oracle_image.load_archive(darch)
        sconf, slayers = oracle_image.load_archive(sarch)
        dtree = oracle_image.apply_layers(dlayers)
        stree = oracle_image.apply_layers(slayers)
        dd, sd = oracle_image.describe(dtree), oracle_image.describe(stree)
        diffs, notes = [], []
        for path in sorted(set(dd) | set(sd)):
            a, b = dd.get(path), sd.get(path)
            if a == b:
                continue
            if a is None:
                diffs.append(f"file {path}: only in swiftbuild's image")
                continue
            if b is None:
                diffs.append(f"file {path}: only in BuildKit's image")
                continue
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    if key == "sha256":
                        diffs.append(f"file {path}: content")
                        ta, tb = oracle_image.file_text(dtree, path), oracle_image.file_text(stree, path)
                        if ta is not None and tb is not None:
                            d = difflib.unified_diff(ta.decode(errors="replace").splitlines(),
                                                     tb.decode(errors="replace").splitlines(),
                                                     "BuildKit", "swiftbuild", lineterm="", n=0)
                            notes.append(f"{path}:\n" + "\n".join("      " + l for l in list(d)[2:40]))
                    elif key == "size" and a.get("sha256") != b.get("sha256"):
                        continue
                    else:
                        diffs.append(f"file {path}: {key} {a.get(key)!r} (BuildKit) != {b.get(key)!r} (swiftbuild)")
        dc, sc = oracle_image.config_fields(dconf), oracle_image.config_fields(sconf)
        for key in dc:
            if dc[key] != sc[key]:
                diffs.append(f"config {key}: {json.dumps(dc[key])} (BuildKit) != {json.dumps(sc[key])} (swiftbuild)")
        return diffs, notes


def load_known(path, doc_path):
    entries = json.load(open(path))
    doc = open(doc_path).read()
    section = doc.split("## Differences from BuildKit", 1)
    problems = []
    if len(section) < 2:
        problems.append(f"{doc_path} has no '## Differences from BuildKit' section")
        section = ["", ""]
    for e in entries:
        for k in ("id", "case", "difference", "reason"):
            if k not in e:
                problems.append(f"{path}: entry {e} lacks {k!r}")
        if "id" in e and f"`{e['id']}`" not in section[1]:
            problems.append(f"{path}: {e['id']} is not documented under 'Differences from BuildKit' in {doc_path}")
    return entries, problems


def patterns(value):
    """A listed difference gives one pattern or a list of them."""
    return value if isinstance(value, list) else [value]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swiftbuild", required=True)
    ap.add_argument("--docker-host", required=True)
    ap.add_argument("--bases", required=True)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    known, problems = load_known(os.path.join(HERE, "known-differences.json"),
                                 os.path.join(REPO, "docs", "dockerfile.md"))
    for p in problems:
        print("conformance: " + p)
    suite = Suite(args)
    started = time.time()
    try:
        suite.load_bases()
        passed = failed = listed = 0
        used = set()
        cases_dir = os.path.join(HERE, "cases")
        for case in sorted(os.listdir(cases_dir)):
            if args.only and not any(fnmatch.fnmatch(case, g) for g in args.only):
                continue
            case_dir = os.path.join(cases_dir, case)
            bases = open(os.path.join(case_dir, "bases")).read().split()
            for base in bases:
                t0 = time.time()
                try:
                    diffs, notes = suite.build(case_dir, base)
                except Exception as e:  # a broken archive is a finding, not a crash of the suite
                    diffs, notes = [f"comparison failed: {type(e).__name__}: {e}"], []
                unlisted = []
                for d in diffs:
                    match = [e for e in known
                             if fnmatch.fnmatch(case, e["case"]) and base in e.get("bases", [base])
                             and any(fnmatch.fnmatch(d, pat) for pat in patterns(e["difference"]))]
                    if match:
                        used.add(match[0]["id"])
                        print(f"  listed  {case}[{base}] {d}  ({match[0]['id']})")
                    else:
                        unlisted.append(d)
                label = f"{case}[{base}]"
                if unlisted:
                    failed += 1
                    print(f"FAIL {label} ({time.time() - t0:.1f}s)")
                    for d in unlisted:
                        print(f"  unlisted {d}")
                    for n in notes:
                        print("    " + n)
                else:
                    passed += 1
                    if diffs:
                        listed += 1
                    print(f"ok   {label}{' (listed differences)' if diffs else ''} ({time.time() - t0:.1f}s)")
                sys.stdout.flush()
        stale = [e["id"] for e in known if e["id"] not in used]
        if stale and not args.only:
            print("conformance: listed differences not seen in this run (fixed? remove them): " + ", ".join(stale))
        print(f"conformance: {passed} passed ({listed} with listed differences), {failed} failed, "
              f"{len(known)} differences listed, {time.time() - started:.0f}s")
        return 1 if failed or problems else 0
    finally:
        suite.docker("image", "prune", "-af")
        suite.docker("builder", "prune", "-af")
        if not args.keep:
            shutil.rmtree(suite.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
