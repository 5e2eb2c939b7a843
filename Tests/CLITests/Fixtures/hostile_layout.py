#!/usr/bin/env python3
"""Writes an OCI image layout (tagged hostile:KIND) whose content is hostile in one named way.

usage: hostile_layout.py KIND OUTPUT_DIR SENTINEL_DIR

SENTINEL_DIR is a directory outside the store: every escape attempt aims at it, so a
test can check that nothing appeared there.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(members):
    """An uncompressed tar of (TarInfo, data-or-None) pairs, names kept exactly as given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def file(name, data=b"pwned\n"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    return info, data


def link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def escape(sentinel):
    """A relative path from deep inside the store up to the sentinel directory."""
    return "../" * 32 + sentinel.lstrip("/")


def hostile_layer(kind, sentinel):
    """(uncompressed tar, blob bytes) for a layer that is hostile in the way `kind` names."""
    ok = [file("etc/ok.txt", b"fine\n")]
    members = {
        "dotdot": ok + [file(escape(sentinel) + "/evil")],
        "absolute": ok + [file(sentinel + "/evil")],
        "symlink-through": ok + [link("escape", sentinel, tarfile.SYMTYPE), file("escape/evil")],
        "hardlink-out": ok + [link("victim-link", escape(sentinel) + "/victim", tarfile.LNKTYPE)],
    }.get(kind, ok)
    tar = layer_tar(members)
    blob = gzip.compress(tar, mtime=0)
    if kind == "truncated-gzip":
        tar = layer_tar(ok + [file("etc/big.bin", os.urandom(256 * 1024))])
        blob = gzip.compress(tar, mtime=0)[: 100 * 1024]
    return tar, blob


def write_blob(root, data, digest=None):
    digest = digest or sha256(data)
    path = os.path.join(root, "blobs", "sha256", digest.split(":")[1])
    with open(path, "wb") as out:
        out.write(data)
    return {"digest": digest, "size": len(data)}


def main():
    kind, root, sentinel = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    tar, blob = hostile_layer(kind, sentinel)
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(blob), "size": len(blob)}
    if kind == "digest-mismatch":
        write_blob(root, blob[:-1] + bytes([blob[-1] ^ 0xFF]), digest=layer["digest"])
    elif kind != "missing-blob":
        write_blob(root, blob)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]},
        "config": {"Cmd": ["/bin/sh"]},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **write_blob(root, config)),
        "layers": [layer],
    }, sort_keys=True).encode()
    entry = dict(mediaType="application/vnd.oci.image.manifest.v1+json", **write_blob(root, manifest))
    entry["annotations"] = {"org.opencontainers.image.ref.name": "hostile:" + kind}
    with open(os.path.join(root, "index.json"), "w") as out:
        json.dump({"schemaVersion": 2, "manifests": [entry]}, out)
    with open(os.path.join(root, "oci-layout"), "w") as out:
        json.dump({"imageLayoutVersion": "1.0.0"}, out)


if __name__ == "__main__":
    main()
