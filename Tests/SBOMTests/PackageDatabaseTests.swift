import Foundation
import Testing

@testable import SBOM

/// The package databases and metadata an SBOM is read from, parsed from sample texts as
/// the real files hold them.
struct PackageDatabaseTests {
    static let debian = OSRelease(id: "debian", versionID: "12")

    @Test func dpkgStatusListsInstalledPackagesOnly() {
        let status = """
            Package: libc6
            Status: install ok installed
            Priority: optional
            Section: libs
            Installed-Size: 12985
            Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
            Architecture: amd64
            Multi-Arch: same
            Source: glibc
            Version: 2.36-9+deb12u4
            Depends: libgcc-s1
            Description: GNU C Library: Shared libraries
             Contains the standard libraries that are used by nearly all programs on
             the system.
            Homepage: https://www.gnu.org/software/libc/libc.html

            Package: oldconf
            Status: deinstall ok config-files
            Architecture: all
            Version: 1.0

            Package: tzdata
            Status: install ok installed
            Architecture: all
            Version: 2024a-0+deb12u1
            Source: tzdata (2024a-0+deb12u1)

            Package: broken
            Status: install ok installed

            """
        let packages = DpkgStatus.packages(in: status, location: "/var/lib/dpkg/status", osRelease: Self.debian)
        #expect(packages.map(\.name) == ["libc6", "tzdata"])
        #expect(packages[0].version == "2.36-9+deb12u4")
        #expect(packages[0].purl == "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&distro=debian-12")
        #expect(packages[0].sourcePackage == "glibc")
        #expect(packages[0].homepage == "https://www.gnu.org/software/libc/libc.html")
        #expect(packages[1].sourcePackage == nil)
        #expect(packages[1].purl == "pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all&distro=debian-12")
    }

    @Test func dpkgEpochsAndStatusDFilesWithoutStatus() {
        let text = "Package: base-files\nVersion: 1:12.4+deb12u5\nArchitecture: arm64\n"
        let packages = DpkgStatus.packages(in: text, location: "/var/lib/dpkg/status.d/base", osRelease: nil)
        #expect(packages.count == 1)
        #expect(packages[0].purl == "pkg:deb/debian/base-files@1:12.4+deb12u5?arch=arm64")
    }

    @Test func apkInstalledDatabase() {
        let installed = """
            C:Q1Deb0jNytkrjPW4N/eKLZ43BwOlw=
            P:musl
            V:1.2.5-r0
            A:x86_64
            S:411323
            I:807936
            T:the musl c library (libc) implementation
            U:https://musl.libc.org/
            L:MIT
            o:musl
            m:Natanael Copa <ncopa@alpinelinux.org>
            F:lib
            R:ld-musl-x86_64.so.1
            Z:Q1yh4KNpBJQJVGvxyJhTTYcbdsfeU=

            P:busybox-binsh
            V:1.36.1-r29
            A:x86_64
            L:GPL-2.0-only
            o:busybox

            P:incomplete
            """
        let os = OSRelease(parsing: "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n")
        let packages = APKDatabase.packages(in: installed, location: "/lib/apk/db/installed", osRelease: os)
        #expect(packages.map(\.name) == ["musl", "busybox-binsh"])
        #expect(packages[0].purl == "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3")
        #expect(packages[0].declaredLicense == "MIT")
        #expect(packages[0].sourcePackage == nil)
        #expect(packages[1].sourcePackage == "busybox")
        #expect(packages[1].declaredLicense == "GPL-2.0-only")
    }

    @Test func osReleaseQuotesAndMissingVersion() {
        #expect(OSRelease(parsing: "PRETTY_NAME='Debian GNU/Linux trixie/sid'\nID=debian\n") == OSRelease(id: "debian", versionID: nil))
        #expect(OSRelease(parsing: "ID=\"ubuntu\"\nVERSION_ID=\"24.04\"\n")?.distroQualifier == "ubuntu-24.04")
        #expect(OSRelease(parsing: "NAME=nothing\n") == nil)
    }

    @Test func pythonMetadataHeadersEndAtTheBody() {
        let metadata = """
            Metadata-Version: 2.1
            Name: Flask_Login.Extra
            Version: 0.6.3
            Summary: User authentication and session management for Flask.
            Home-page: https://github.com/maxcountryman/flask-login
            License: MIT
            Classifier: License :: OSI Approved :: MIT License
            Requires-Dist: Flask >=1.0.4

            Name: not-this
            Version: 9
            """
        let package = PythonMetadata.package(in: metadata, location: "/app/x.dist-info/METADATA")
        #expect(package?.name == "Flask_Login.Extra")
        #expect(package?.version == "0.6.3")
        #expect(package?.purl == "pkg:pypi/flask-login-extra@0.6.3")
        #expect(package?.declaredLicense == "MIT")
        #expect(
            PythonMetadata.package(
                in: "Metadata-Version: 2.4\nName: x\nLicense-Expression: Apache-2.0\nLicense: UNKNOWN\nVersion: 1\n", location: "m")?
                .declaredLicense == "Apache-2.0")
        #expect(PythonMetadata.package(in: "Name: x\n\nVersion: 1\n", location: "m") == nil)
    }

    @Test func goModulesWithReplacements() {
        let info = """
            path\texample.com/server/cmd/server
            mod\texample.com/server\t(devel)\t
            dep\tgithub.com/gorilla/mux\tv1.8.1\th1:TuBL49tXwgrFYWhqrNgrUNEY92u81SPhu7sTdzQEiWY=
            dep\tgolang.org/x/net\tv0.20.0\th1:abc=
            =>\tgithub.com/fork/net\tv0.21.0\th1:def=
            dep\texample.com/local\tv0.0.0
            =>\t../local\t(devel)\t
            build\t-compiler=gc
            build\tCGO_ENABLED=0
            """
        let packages = GoModules.packages(goVersion: "go1.22.1 X:boringcrypto", moduleInfo: info, location: "/usr/bin/server")
        #expect(
            packages.map(\.name) == ["stdlib", "example.com/server", "github.com/gorilla/mux", "github.com/fork/net", "example.com/local"])
        #expect(packages[0].version == "go1.22.1")
        #expect(packages[0].purl == "pkg:golang/stdlib@1.22.1")
        #expect(packages[1].purl == "pkg:golang/example.com/server@%28devel%29")
        #expect(packages[2].purl == "pkg:golang/github.com/gorilla/mux@v1.8.1")
        #expect(packages[3].version == "v0.21.0")
        #expect(packages[4].version == "v0.0.0")
        #expect(GoModules.packages(goVersion: "go1.10", moduleInfo: nil, location: "/x").map(\.purl) == ["pkg:golang/stdlib@1.10"])
    }
}
