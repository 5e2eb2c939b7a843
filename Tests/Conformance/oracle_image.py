"""Reads an image archive (docker archive or OCI archive) and flattens it: the layers are
applied in order as a container runtime would (whiteouts, opaque directories, hard links),
giving the file tree the image's users see, and the config's runtime fields.

Pure Python standard library, so CI needs nothing beyond python3.
"""
import gzip
import hashlib
import json
import tarfile

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"

_layer_cache = {}


class Inode:
    """A regular file's identity: hard links share one."""
    __slots__ = ("attrs",)

    def __init__(self, attrs):
        self.attrs = attrs


def _norm(name):
    name = name.lstrip("/")
    while name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    return "" if name == "." else name


def _read_layer(fileobj):
    """Returns the layer's entries in tar order: (path, kind, attrs, link target)."""
    entries = []
    # A gzip layer may be several gzip members (swiftbuild's are, one per 1 MiB block, as
    # eStargz layers are): tarfile's stream mode reads only the first, the gzip module all.
    if fileobj.peek(2)[:2] == b"\x1f\x8b":
        fileobj = gzip.GzipFile(fileobj=fileobj)
    with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
        for m in tar:
            path = _norm(m.name)
            if path == "":
                continue
            xattrs = tuple(sorted((k[len("SCHILY.xattr."):], v) for k, v in m.pax_headers.items()
                                  if k.startswith("SCHILY.xattr.")))
            attrs = {"mode": m.mode & 0o7777, "uid": m.uid, "gid": m.gid, "xattrs": xattrs}
            if m.isreg():
                data = tar.extractfile(m).read()
                attrs.update(type="file", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             text=data if len(data) <= 65536 else None)
                entries.append((path, "file", attrs, None))
            elif m.islnk():
                entries.append((path, "hardlink", attrs, _norm(m.linkname)))
            elif m.issym():
                attrs.update(type="symlink", target=m.linkname)
                entries.append((path, "symlink", attrs, None))
            elif m.isdir():
                attrs.update(type="dir")
                entries.append((path, "dir", attrs, None))
            elif m.ischr() or m.isblk():
                attrs.update(type="chr" if m.ischr() else "blk", dev=(m.devmajor, m.devminor))
                entries.append((path, attrs["type"], attrs, None))
            elif m.isfifo():
                attrs.update(type="fifo")
                entries.append((path, "fifo", attrs, None))
    return entries


def _parent_chain(path):
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _remove_tree(tree, path):
    tree.pop(path, None)
    prefix = path + "/"
    for p in [p for p in tree if p.startswith(prefix)]:
        del tree[p]


def apply_layers(layers):
    """Applies layers (lists of entries) to an empty tree: path -> Inode."""
    tree = {}
    for entries in layers:
        # Opaque markers hide what lower layers had in the directory, not this layer's entries.
        for path, kind, attrs, _ in entries:
            base = path.rsplit("/", 1)[-1]
            if base == OPAQUE:
                parent = path[: -len(OPAQUE)].rstrip("/")
                prefix = parent + "/" if parent else ""
                for p in [p for p in tree if p.startswith(prefix) and p != parent]:
                    del tree[p]
        for path, kind, attrs, link in entries:
            base = path.rsplit("/", 1)[-1]
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            if base == OPAQUE:
                continue
            if base.startswith(WHITEOUT):
                _remove_tree(tree, (parent + "/" if parent else "") + base[len(WHITEOUT):])
                continue
            for d in _parent_chain(path):
                if d not in tree or tree[d].attrs["type"] != "dir":
                    if d in tree:
                        _remove_tree(tree, d)
                    tree[d] = Inode({"type": "dir", "mode": 0o755, "uid": 0, "gid": 0, "xattrs": (), "implicit": True})
            old = tree.get(path)
            if kind == "hardlink":
                target = tree.get(link)
                if target is None:
                    raise ValueError(f"hard link {path} -> {link}: target not in the image")
                if old is not None and old is not target:
                    _remove_tree(tree, path)
                tree[path] = target
                continue
            if old is not None and not (kind == "dir" and old.attrs["type"] == "dir"):
                _remove_tree(tree, path)
            tree[path] = Inode(dict(attrs))
    return tree


def describe(tree):
    """path -> comparable tuple-like dict; hard-linked files list their other names."""
    by_inode = {}
    for path, inode in tree.items():
        by_inode.setdefault(id(inode), []).append(path)
    out = {}
    for path, inode in tree.items():
        a = inode.attrs
        d = {"type": a["type"], "mode": oct(a["mode"]), "owner": f'{a["uid"]}:{a["gid"]}'}
        if a["xattrs"]:
            d["xattrs"] = dict(a["xattrs"])
        if a["type"] == "file":
            d["size"] = a["size"]
            d["sha256"] = a["sha256"]
            names = sorted(by_inode[id(inode)])
            if len(names) > 1:
                d["links"] = names
        elif a["type"] == "symlink":
            d["target"] = a["target"]
        elif a["type"] in ("chr", "blk"):
            d["dev"] = "%d:%d" % a["dev"]
        out["/" + path] = d
    return out


def file_text(tree, path):
    inode = tree.get(path.lstrip("/"))
    if inode is None or inode.attrs.get("type") != "file":
        return None
    return inode.attrs.get("text")


def load_archive(path):
    """Returns (config, [layer entries]) of the single image in a docker or OCI archive."""
    with tarfile.open(path, mode="r:*") as outer:
        names = outer.getnames()

        def read(name):
            return outer.extractfile(outer.getmember(name)).read()

        def layer(name, diff_id):
            key = diff_id or None
            if key and key in _layer_cache:
                return _layer_cache[key]
            entries = _read_layer(outer.extractfile(outer.getmember(name)))
            if key:
                _layer_cache[key] = entries
            return entries

        if "manifest.json" in names:
            manifest = json.loads(read("manifest.json"))
            if len(manifest) != 1:
                raise ValueError(f"{path}: {len(manifest)} images, expected one")
            config = json.loads(read(manifest[0]["Config"]))
            diff_ids = config.get("rootfs", {}).get("diff_ids", [])
            layer_names = manifest[0]["Layers"]
        elif "index.json" in names:
            index = json.loads(read("index.json"))
            desc = index["manifests"][0]
            blob = lambda d: "blobs/sha256/" + d.split(":")[1]
            m = json.loads(read(blob(desc["digest"])))
            if "manifests" in m:
                m = json.loads(read(blob(m["manifests"][0]["digest"])))
            config = json.loads(read(blob(m["config"]["digest"])))
            diff_ids = config.get("rootfs", {}).get("diff_ids", [])
            layer_names = [blob(l["digest"]) for l in m["layers"]]
        else:
            raise ValueError(f"{path}: neither a docker archive nor an OCI archive")
        if len(diff_ids) != len(layer_names):
            raise ValueError(f"{path}: {len(layer_names)} layers but {len(diff_ids)} diff IDs")
        layers = [layer(n, d) for n, d in zip(layer_names, diff_ids)]
        return config, layers


CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes",
                 "StopSignal", "Healthcheck", "Shell", "OnBuild"]


def config_fields(config):
    c = config.get("config") or {}
    out = {k: c.get(k) for k in CONFIG_FIELDS}
    # Absent and empty are the same to every runtime.
    for k, v in out.items():
        if v in ([], {}, ""):
            out[k] = None
    out["Author"] = config.get("author") or None
    out["os/arch"] = f'{config.get("os")}/{config.get("architecture")}'
    return out
