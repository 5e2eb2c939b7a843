#!/usr/bin/env python3
"""Packs a root filesystem directory into a one-layer image, written both as an OCI
archive (for `swiftbuild load -i`) and as a docker archive (for `docker load`).

Everything that goes into the digests is fixed: entries in byte order of their paths,
every modification time set to --mtime, numeric owners without names, and a config whose
`created` is --mtime too. So the same tree gives the same image ID every time.

    make-image.py ROOTFS --name NAME:TAG --oci OUT.oci.tar --docker OUT.docker.tar
        [--env K=V]... [--cmd JSON] [--mtime SECONDS] [--platform OS/ARCH[/VARIANT]]

With several ROOTFS, each with its --platform (in the same order), the OCI archive's one
entry is an image index of one image per platform (a docker archive cannot hold that:
no --docker). Without --platform the image is linux/amd64 and its index entry names no
platform, as before platforms were given.
"""
import argparse
import datetime
import hashlib
import io
import json
import os
import stat
import sys
import tarfile


def layer_tar(rootfs, mtime):
    """Returns the uncompressed layer tar of ROOTFS as bytes (hard links kept as links)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = []
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                paths.append(os.path.relpath(full, rootfs))
        for rel in sorted(paths, key=lambda p: p.encode()):
            full = os.path.join(rootfs, rel)
            info = tar.gettarinfo(full, arcname=rel)
            info.mtime = mtime
            info.uname = ""
            info.gname = ""
            info.pax_headers = {}
            if info.isreg():
                with open(full, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_of(members, out):
    """Writes an archive of in-memory files [(name, bytes)] with fixed metadata."""
    tmp = f"{out}.tmp{os.getpid()}"  # several makers at once each replace OUT whole
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        for name, data in members:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, out)


def platform_fields(text):
    """{"os", "architecture"[, "variant"]} of OS/ARCH[/VARIANT]."""
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        sys.exit(f"make-image.py: invalid platform '{text}': expected os/arch[/variant]")
    fields = {"os": parts[0], "architecture": parts[1]}
    if len(parts) == 3:
        fields["variant"] = parts[2]
    return fields


def image(rootfs, platform, args):
    """(manifest bytes, config bytes, layer bytes) of one platform's image of ROOTFS."""
    layer = layer_tar(rootfs, args.mtime)
    created = datetime.datetime.fromtimestamp(args.mtime, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cfg = {"Env": args.env}
    if args.cmd:
        cfg["Cmd"] = json.loads(args.cmd)
    config = {
        **platform,
        "created": created,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
        "history": [{"created": created, "created_by": "scripts/oracle/make-image.py " + os.path.basename(rootfs)}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return manifest_bytes, config_bytes, layer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rootfs", nargs="+")
    ap.add_argument("--name", required=True)
    ap.add_argument("--oci", required=True)
    ap.add_argument("--docker")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--cmd", default=None)
    ap.add_argument("--mtime", type=int, default=1700000000)
    ap.add_argument("--platform", action="append", default=[])
    args = ap.parse_args()
    if args.platform and len(args.platform) != len(args.rootfs):
        sys.exit("make-image.py: give one --platform per ROOTFS, in the same order")
    if len(args.rootfs) > 1 and (not args.platform or args.docker):
        sys.exit("make-image.py: several ROOTFS need a --platform each and make no docker archive")
    if not args.docker and len(args.rootfs) == 1:
        sys.exit("make-image.py: --docker is needed for one ROOTFS")
    platforms = [platform_fields(p) for p in args.platform] or [{"architecture": "amd64", "os": "linux"}]

    blob = lambda d: "blobs/sha256/" + sha(d).split(":")[1]
    images = [image(rootfs, platform, args) for rootfs, platform in zip(args.rootfs, platforms)]
    blobs = {}
    descriptors = []
    for (manifest_bytes, config_bytes, layer), platform in zip(images, platforms):
        for data in (manifest_bytes, config_bytes, layer):
            blobs[blob(data)] = data
        descriptor = {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha(manifest_bytes),
            "size": len(manifest_bytes),
        }
        if args.platform:
            descriptor["platform"] = platform
        descriptors.append(descriptor)
    name = {"org.opencontainers.image.ref.name": args.name}
    if len(images) == 1:
        entry = {**descriptors[0], "annotations": name}
    else:
        image_index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": descriptors,
        }
        index_bytes = json.dumps(image_index, sort_keys=True, separators=(",", ":")).encode()
        blobs[blob(index_bytes)] = index_bytes
        entry = {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha(index_bytes),
            "size": len(index_bytes),
            "annotations": name,
        }
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [entry],
    }
    tar_of([
        ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
        ("index.json", json.dumps(index, sort_keys=True).encode()),
    ] + sorted(blobs.items()), args.oci)
    if len(images) > 1:
        print(sha(index_bytes))
        return

    manifest_bytes, config_bytes, layer = images[0]
    config_hex = sha(config_bytes).split(":")[1]
    layer_hex = sha(layer).split(":")[1]
    docker_manifest = [{"Config": config_hex + ".json", "RepoTags": [args.name], "Layers": [layer_hex + "/layer.tar"]}]
    tar_of([
        (config_hex + ".json", config_bytes),
        (layer_hex + "/layer.tar", layer),
        ("manifest.json", json.dumps(docker_manifest).encode()),
    ], args.docker)
    print(sha(config_bytes))


if __name__ == "__main__":
    sys.exit(main())
