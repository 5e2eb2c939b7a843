#!/usr/bin/env python3
"""swiftbuild's Dockerfile parser against BuildKit's own (the PyPI package `dockerfile`,
which wraps BuildKit's Go parser) on the corpus in dockerfiles/ (sources in MANIFEST.tsv).

For every file: the same instructions, each with the same keyword, start and end line,
flags, JSON (exec) form, arguments and heredocs. A disagreement passes only when
known-differences.json lists it (its reason documented in docs/dockerfile.md); any other
fails. Run in a venv that has `dockerfile` installed:

    compare_parser.py --swiftbuild BIN [FILE...]
"""
import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys

import dockerfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def flag_pairs_buildkit(flags):
    out = []
    for f in flags:
        body = f[2:] if f.startswith("--") else f
        name, eq, value = body.partition("=")
        out.append((name.lower(), value if eq else "true"))
    return sorted(out)


def flag_pairs_swiftbuild(flags):
    out = []
    for name, value in flags.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            out.append((name.lower(), ("true" if v else "false") if isinstance(v, bool) else str(v)))
    return sorted(out)


def strip_tabs(text):
    return "".join(re.sub(r"^\t+", "", l) for l in text.splitlines(keepends=True))


def buildkit_view(cmd):
    """The fields both parsers give, from BuildKit's Command."""
    keyword = cmd.cmd.upper()
    value = list(cmd.value)
    view = {"keyword": keyword, "line": cmd.start_line, "endLine": cmd.end_line,
            "flags": flag_pairs_buildkit(cmd.flags), "exec": bool(cmd.json),
            "heredocs": [(h.name, h.file_descriptor, h.content) for h in cmd.heredocs]}
    if keyword == "ONBUILD":
        view["trigger"] = (cmd.sub_cmd.upper() if cmd.sub_cmd else None)
        view["exec"] = bool(cmd.json)
    if keyword in ("ENV", "LABEL") and len(value) % 2 == 0:
        # BuildKit's parser gives KEY, VALUE, KEY, VALUE...; swiftbuild KEY=VALUE words.
        value = [value[i] + "=" + value[i + 1] for i in range(0, len(value), 2)]
    view["args"] = value
    return view


def swiftbuild_view(ins):
    keyword = ins["keyword"].upper()
    heredocs = []
    for h in ins.get("heredocs", []):
        heredocs.append((h["name"], h.get("fileDescriptor") or 0, h["content"], h.get("chomp", False)))
    view = {"keyword": keyword, "line": ins["line"], "endLine": ins["endLine"],
            "flags": flag_pairs_swiftbuild(ins.get("flags", {})), "exec": bool(ins.get("exec")),
            "heredocs": heredocs, "args": ins["args"]}
    if keyword == "ONBUILD":
        t = ins.get("trigger") or {}
        view["trigger"] = t.get("keyword", "").upper() or None
        view["exec"] = bool(t.get("exec"))
        # BuildKit's package reports the trigger's arguments (its flags are not exposed).
        view["args"] = t.get("args", [])
        view["flags"] = []
    return view


def compare_file(path, swiftbuild):
    """Returns (differences, error note)."""
    diffs = []
    try:
        bk = [buildkit_view(c) for c in dockerfile.parse_file(path)]
        bk_error = None
    except dockerfile.GoParseError as e:
        bk, bk_error = None, str(e).strip().splitlines()[0] if str(e).strip() else "error"
    p = subprocess.run([swiftbuild, "parse", "-f", path, "--format", "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sb, sb_error = None, p.stderr.decode(errors="replace").strip().splitlines()[-1]
    else:
        sb, sb_error = [swiftbuild_view(i) for i in json.loads(p.stdout)["instructions"]], None
    if bk is None and sb is None:
        return [], f"both reject it (BuildKit: {bk_error}; swiftbuild: {sb_error})"
    if bk is None:
        return [f"BuildKit rejects it, swiftbuild accepts it ({bk_error})"], None
    if sb is None:
        # swiftbuild parse also plans the stages; BuildKit's parser alone does not check
        # what the planner checks, so a planning error is named as such.
        return [f"swiftbuild rejects it: {sb_error}"], None
    if len(bk) != len(sb):
        diffs.append(f"instruction count {len(bk)} (BuildKit) != {len(sb)} (swiftbuild)")
    for a, b in zip(bk, sb):
        where = f"line {a['line']} {a['keyword']}"
        for key in ("keyword", "line", "endLine", "flags", "exec", "trigger"):
            if a.get(key) != b.get(key):
                diffs.append(f"{where}: {key} {a.get(key)!r} (BuildKit) != {b.get(key)!r} (swiftbuild)")
        if len(a["heredocs"]) != len(b["heredocs"]):
            diffs.append(f"{where}: {len(a['heredocs'])} heredocs (BuildKit) != {len(b['heredocs'])} (swiftbuild)")
        else:
            for ha, hb in zip(a["heredocs"], b["heredocs"]):
                name, fd, content, chomp = hb
                # BuildKit's parser keeps the tabs of `<<-` bodies; its instruction layer strips them.
                bk_content = strip_tabs(ha[2]) if chomp else ha[2]
                if (ha[0], ha[1], bk_content) != (name, fd, content):
                    diffs.append(f"{where}: heredoc {ha[0]!r}: {(ha[0], ha[1], bk_content)!r} (BuildKit) != "
                                 f"{(name, fd, content)!r} (swiftbuild)")
        if a["args"] != b["args"]:
            diffs.append(f"{where}: args {a['args']!r} (BuildKit) != {b['args']!r} (swiftbuild)")
        if diffs and a["keyword"] != b["keyword"]:
            break  # out of step: the rest would only repeat it
    return diffs, None


def patterns(value):
    """A listed difference gives one pattern or a list of them."""
    return value if isinstance(value, list) else [value]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swiftbuild", required=True)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    known = json.load(open(os.path.join(HERE, "known-differences.json")))
    doc = open(os.path.join(REPO, "docs", "dockerfile.md")).read().split("## Differences from BuildKit", 1)
    problems = [f"{e['id']} is not documented under 'Differences from BuildKit' in docs/dockerfile.md"
                for e in known if len(doc) < 2 or f"`{e['id']}`" not in doc[1]]
    files = args.files or sorted(os.path.join(HERE, "dockerfiles", f) for f in os.listdir(os.path.join(HERE, "dockerfiles")))
    agree = listed = failed = both_reject = 0
    used = set()
    for path in files:
        name = os.path.basename(path)
        diffs, note = compare_file(path, args.swiftbuild)
        if note:
            both_reject += 1
            if args.verbose:
                print(f"  {name}: {note}")
        unlisted = []
        for d in diffs:
            m = [e for e in known if fnmatch.fnmatch(name, e["file"]) and any(fnmatch.fnmatch(d, pat) for pat in patterns(e["difference"]))]
            if m:
                used.add(m[0]["id"])
                if args.verbose:
                    print(f"  listed {name}: {d} ({m[0]['id']})")
            else:
                unlisted.append(d)
        if unlisted:
            failed += 1
            print(f"FAIL {name}")
            for d in unlisted[:10]:
                print(f"  {d}")
        elif diffs:
            listed += 1
        else:
            agree += 1
    for p in problems:
        print("parser-corpus: " + p)
    stale = [e["id"] for e in known if e["id"] not in used]
    if stale and not args.files:
        print("parser-corpus: listed differences not seen (fixed? remove them): " + ", ".join(stale))
    print(f"parser-corpus: {len(files)} files: {agree} agree ({both_reject} rejected by both), "
          f"{listed} with listed differences, {failed} failed")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
