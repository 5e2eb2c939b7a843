import attrs, idna, packaging.version, six

@attrs.define
class Release:
    version: str

print(Release(str(packaging.version.Version("1.2.3"))), idna.encode("example.org"), six.PY3)
