import Foundation

/// Binaries compiled once per test run with the machine's compilers, one per kind of file the
/// inspector must recognise.
struct Fixtures: Sendable {
    let directory: String
    /// `gcc -lm`: PIE, glibc interpreter, NEEDED libm.so.6 and libc.so.6.
    let glibcDynamic: String
    /// `gcc -static`.
    let glibcStatic: String
    /// `gcc -static-pie`.
    let glibcStaticPIE: String
    /// `musl-gcc`.
    let muslDynamic: String
    /// `musl-gcc -static`.
    let muslStatic: String
    /// glibc-linked with `--dynamic-linker=/lib/ld-musl-x86_64.so.1`.
    let mixed: String
    /// `libfix.so.1`: SONAME, version script defining FIX_1.0 and FIX_2.0.
    let library: String
    /// Links libfix.so.1 with `-rpath '$ORIGIN/../lib' --disable-new-dtags`.
    let withRPath: String
    /// Same with `--enable-new-dtags` and `-z nodefaultlib`.
    let withRunPath: String
    /// `glibcDynamic` with e_shoff, e_shnum and e_shstrndx zeroed: no section headers.
    let noSectionHeaders: String
    /// 32-bit i386 executable (linked with `ld -m elf_i386`, no libc), NEEDED libthirty.so.1, RUNPATH /opt/thirty.
    let i386Executable: String
    /// 32-bit i386 shared library `libthirty.so.1`.
    let i386Library: String

    /// Every fixture, for tests that run over all of them.
    var all: [String] {
        [
            glibcDynamic, glibcStatic, glibcStaticPIE, muslDynamic, muslStatic, mixed, library, withRPath,
            withRunPath, noSectionHeaders, i386Executable, i386Library
        ]
    }

    /// The fixtures, built on first use; a build failure fails every test that needs them.
    static let shared: Result<Fixtures, Error> = Result { try Fixtures.build() }

    /// The shared fixtures or the error that prevented building them.
    static func get() throws -> Fixtures { try shared.get() }

    private static func build() throws -> Fixtures {
        let dir = try Shell.temporaryDirectory()
        // Remove the binaries when the test process exits.
        atexit {
            if case .success(let fixtures) = Fixtures.shared {
                try? FileManager.default.removeItem(atPath: fixtures.directory)
            }
        }
        func write(_ name: String, _ text: String) throws -> String {
            let path = "\(dir)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let main = try write(
            "main.c",
            """
            #include <stdio.h>
            #include <math.h>
            volatile double x = 2.0;
            int main(void) { printf("%f\\n", cos(x)); return 0; }
            """)
        let plain = try write("plain.c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n")
        let fix = try write("fix.c", "int fix_old(void) { return 1; }\nint fix_value(void) { return 42; }\n")
        let map = try write("fix.map", "FIX_1.0 { global: fix_old; local: *; };\nFIX_2.0 { global: fix_value; } FIX_1.0;\n")
        let user = try write("user.c", "extern int fix_value(void);\nint main(void) { return fix_value(); }\n")
        let thirty = try write("thirty.c", "int thirty(void) { return 30; }\n")
        let start = try write("start.c", "extern int thirty(void);\nvoid _start(void) { for (;;) thirty(); }\n")

        let fixtures = Fixtures(
            directory: dir,
            glibcDynamic: "\(dir)/glibc-dynamic", glibcStatic: "\(dir)/glibc-static",
            glibcStaticPIE: "\(dir)/glibc-static-pie", muslDynamic: "\(dir)/musl-dynamic",
            muslStatic: "\(dir)/musl-static", mixed: "\(dir)/mixed", library: "\(dir)/lib/libfix.so.1",
            withRPath: "\(dir)/bin/with-rpath", withRunPath: "\(dir)/bin/with-runpath",
            noSectionHeaders: "\(dir)/no-section-headers", i386Executable: "\(dir)/i386-exe",
            i386Library: "\(dir)/libthirty.so.1")
        try FileManager.default.createDirectory(atPath: "\(dir)/lib", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(dir)/bin", withIntermediateDirectories: true)
        try Shell.run(["gcc", "-O1", main, "-o", fixtures.glibcDynamic, "-lm"])
        try Shell.run(["gcc", "-O1", "-static", plain, "-o", fixtures.glibcStatic])
        try Shell.run(["gcc", "-O1", "-static-pie", plain, "-o", fixtures.glibcStaticPIE])
        try Shell.run(["musl-gcc", "-O1", plain, "-o", fixtures.muslDynamic])
        try Shell.run(["musl-gcc", "-O1", "-static", plain, "-o", fixtures.muslStatic])
        try Shell.run(["gcc", "-O1", plain, "-o", fixtures.mixed, "-Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1"])
        try Shell.run([
            "gcc", "-O1", "-shared", "-fPIC", fix, "-o", fixtures.library,
            "-Wl,-soname,libfix.so.1", "-Wl,--version-script=\(map)"
        ])
        try Shell.run([
            "gcc", "-O1", user, fixtures.library, "-o", fixtures.withRPath,
            "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--disable-new-dtags"
        ])
        try Shell.run([
            "gcc", "-O1", user, fixtures.library, "-o", fixtures.withRunPath,
            "-Wl,-rpath,$ORIGIN/../lib:/opt/fix/lib", "-Wl,--enable-new-dtags", "-Wl,-z,nodefaultlib"
        ])
        try Shell.run(["gcc", "-m32", "-fPIC", "-c", thirty, "-o", "\(dir)/thirty.o"])
        try Shell.run(["ld", "-m", "elf_i386", "-shared", "-soname", "libthirty.so.1", "-o", fixtures.i386Library, "\(dir)/thirty.o"])
        try Shell.run(["gcc", "-m32", "-fno-pie", "-c", start, "-o", "\(dir)/start.o"])
        try Shell.run([
            "ld", "-m", "elf_i386", "-dynamic-linker", "/lib/ld-linux.so.2", "-rpath", "/opt/thirty",
            "-o", fixtures.i386Executable, "\(dir)/start.o", fixtures.i386Library
        ])

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures.glibcDynamic)))
        for index in 40..<48 { bytes[index] = 0 }  // e_shoff
        for index in 60..<64 { bytes[index] = 0 }  // e_shnum, e_shstrndx
        try Data(bytes).write(to: URL(fileURLWithPath: fixtures.noSectionHeaders))
        return fixtures
    }
}
