import Dockerfile
import Testing

@Suite("DockerIgnore")
struct DockerIgnoreTests {
    /// A glob, a path, and whether the glob matches the whole path.
    struct GlobCase: Sendable, CustomTestStringConvertible {
        let pattern: String
        let path: String
        let matches: Bool
        var testDescription: String { "\(pattern) ~ \(path) -> \(matches)" }
        init(_ pattern: String, _ path: String, _ matches: Bool) {
            self.pattern = pattern
            self.path = path
            self.matches = matches
        }
    }

    /// Rules, a path, and whether the rules exclude the path.
    struct ExclusionCase: Sendable, CustomTestStringConvertible {
        let patterns: [String]
        let path: String
        let isExcluded: Bool
        var testDescription: String { "\(patterns) excludes \(path): \(isExcluded)" }
        init(_ patterns: [String], _ path: String, _ isExcluded: Bool) {
            self.patterns = patterns
            self.path = path
            self.isExcluded = isExcluded
        }
    }

    // MARK: - Reading the file

    @Test func skipsCommentsAndBlankLinesAndTrimsWhitespace() throws {
        let contents = "# comment\n\n   *.md  \n!README.md\n\t/build/\n./a/../b\n  # indented\n!  /docs/keep.md\r\n"
        let ignore = try DockerIgnore(contents: contents)
        let expected = ["*.md", "!README.md", "build", "b", "# indented", "!docs/keep.md"]
        #expect(ignore.patterns.map(\.description) == expected)
        #expect(ignore.patterns.map(\.line) == [3, 4, 5, 6, 7, 8])
        #expect(ignore.patterns.map(\.isException) == [false, true, false, false, false, true])
    }

    @Test func onlyAHashInTheFirstColumnStartsAComment() throws {
        let ignore = try DockerIgnore(contents: "#skipped\n #kept")
        #expect(ignore.patterns.map(\.description) == ["#kept"])
        #expect(ignore.isExcluded("#kept"))
    }

    @Test func ignoresAByteOrderMark() throws {
        let commented = try DockerIgnore(contents: "\u{FEFF}# comment\nsecret")
        #expect(commented.patterns.map(\.description) == ["secret"])
        #expect(commented.patterns.map(\.line) == [2])
        let plain = try DockerIgnore(contents: "\u{FEFF}secret")
        #expect(plain.isExcluded("secret"))
    }

    @Test func emptyFileExcludesNothing() throws {
        let ignore = try DockerIgnore(contents: "")
        #expect(ignore.patterns.isEmpty)
        #expect(!ignore.isExcluded("anything"))
        #expect(!ignore.hasExceptions)
    }

    @Test func patternListTreatsAHashAsPartOfThePattern() throws {
        let ignore = try DockerIgnore(patterns: ["#notes", "  ", "tmp"])
        #expect(ignore.patterns.map(\.description) == ["#notes", "tmp"])
        #expect(ignore.patterns.map(\.line) == [1, 3])
    }

    @Test(arguments: [
        ("./a/../b", "b"),
        ("/foo/bar", "foo/bar"),
        ("a//b/", "a/b"),
        ("a/./b", "a/b"),
        ("../x", "../x"),
        ("/../x", "x"),
        ("a/..", "."),
        ("/", "/"),
        ("**/", "**"),
        ("!./x", "!x"),
        ("! /inverted/abs/path", "!inverted/abs/path"),
        ("!!x", "!!x")
    ])
    func cleansPatterns(written: String, cleaned: String) throws {
        let ignore = try DockerIgnore(patterns: [written])
        #expect(ignore.patterns.map(\.description) == [cleaned])
    }

    @Test func patternsThatNameTheRootMatchNothing() throws {
        let ignore = try DockerIgnore(patterns: [".", "/", "a/.."])
        #expect(!ignore.isExcluded("a"))
        #expect(!ignore.isExcluded("."))
    }

    // MARK: - Glob syntax

    @Test(arguments: [
        GlobCase("abc", "abc", true),
        GlobCase("abc", "abcd", false),
        GlobCase("*", "abc", true),
        GlobCase("*c", "abc", true),
        GlobCase("a*", "a", true),
        GlobCase("a*", "ab/c", false),
        GlobCase("a*/b", "abc/b", true),
        GlobCase("a*/b", "a/c/b", false),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
        GlobCase("a*b?c*x", "abxbbxdbxebxczzx", true),
        GlobCase("a*b?c*x", "abxbbxdbxebxczzy", false),
        GlobCase("a?b", "a/b", false),
        GlobCase("a*b", "a/b", false),
        GlobCase("abc?def", "abcZdef", true),
        GlobCase("abc?def", "abcdef", false),
        GlobCase("a?b", "a☺b", true),
        GlobCase("a???b", "a☺b", false),
        GlobCase("temp?", "tempa", true),
        GlobCase("temp?", "tempab", false),
        GlobCase(".*", ".foo", true),
        GlobCase(".*", "foo", false),
        GlobCase("abc.def", "abcZdef", false),
        GlobCase("a(b)c+{d}$|e", "a(b)c+{d}$|e", true),
        GlobCase("a^b", "a^b", true),
        GlobCase("é", "e\u{301}", false)
    ])
    func matchesWildcards(_ glob: GlobCase) throws {
        #expect(try PathGlob(glob.pattern).matches(glob.path) == glob.matches)
    }

    @Test(arguments: [
        GlobCase("ab[c]", "abc", true),
        GlobCase("ab[b-d]", "abc", true),
        GlobCase("ab[e-g]", "abc", false),
        GlobCase("ab[^c]", "abc", false),
        GlobCase("ab[^c]", "abd", true),
        GlobCase("ab[^e-g]", "abc", true),
        GlobCase("ab[!c]", "ab!", true),
        GlobCase("ab[!c]", "abd", false),
        GlobCase("a[b-d]e", "ae", false),
        GlobCase("[a-ζ]*", "α", true),
        GlobCase("*[a-ζ]", "A", false),
        GlobCase("[\\]a]", "]", true),
        GlobCase("[\\-]", "-", true),
        GlobCase("[x\\-]", "-", true),
        GlobCase("[x\\-]", "z", false),
        GlobCase("[\\-x]", "x", true),
        GlobCase("a[/]b", "a/b", true),
        GlobCase("a[^x]b", "a/b", true),
        GlobCase("a\\*b", "a*b", true),
        GlobCase("a\\*b", "axb", false),
        GlobCase("a\\\\", "a\\", true),
        GlobCase("\\[x]", "[x]", true)
    ])
    func matchesCharacterClassesAndEscapes(_ glob: GlobCase) throws {
        #expect(try PathGlob(glob.pattern).matches(glob.path) == glob.matches)
    }

    @Test(arguments: [
        GlobCase("**", "a/b/c", true),
        GlobCase("**/*.go", "main.go", true),
        GlobCase("**/*.go", "cmd/tool/main.go", true),
        GlobCase("**/*.go", "cmd/main.c", false),
        GlobCase("**/foo", "foo", true),
        GlobCase("**/foo", "a/b/foo", true),
        GlobCase("**/foo", "xfoo", false),
        GlobCase("**/foo/bar", "dir/dir2/foo/bar", true),
        GlobCase("**/dir2/*", "a/dir2/file", true),
        GlobCase("**/dir2/*", "a/dir2/x/file", false),
        GlobCase("**/**/*.txt", "file.txt", true),
        GlobCase("a/**/b", "a/b", true),
        GlobCase("a/**/b", "a/x/y/b", true),
        GlobCase("a/**/b", "a/xb", false),
        GlobCase("dir/**", "dir/a", true),
        GlobCase("dir/**", "dir/a/b", true),
        GlobCase("dir/**", "dir", false),
        GlobCase("a/*.txt**", "a/file.txt", true),
        // patternmatcher's quirks, kept: a leading `**` before plain text is a suffix match,
        // and a `**` inside a name stands for "any leading directories".
        GlobCase("**.pyc", "a/b/x.pyc", true),
        GlobCase("**file", "dir/myfile", true),
        GlobCase("a**b", "ab", true),
        GlobCase("a**b", "a/x/b", true),
        GlobCase("a**b", "axb", false),
        GlobCase("a**/*.txt", "abc/file.txt", true)
    ])
    func matchesDoubleStar(_ glob: GlobCase) throws {
        #expect(try PathGlob(glob.pattern).matches(glob.path) == glob.matches)
    }

    @Test func backtrackingStaysFastOnPathologicalPatterns() throws {
        let glob = try PathGlob("*a*a*a*a*a*a*a*a*a*b")
        #expect(!glob.matches(String(repeating: "a", count: 500)))
        let doubleStars = try PathGlob("**/a/**/a/**/a/**/a/**/b")
        #expect(!doubleStars.matches(Array(repeating: "a", count: 200).joined(separator: "/")))
    }

    // MARK: - Exclusion

    @Test(arguments: [
        ExclusionCase(["*.md", "!README.md"], "README.md", false),
        ExclusionCase(["*.md", "!README.md"], "CHANGES.md", true),
        ExclusionCase(["*.md", "!README.md"], "docs/CHANGES.md", false),
        ExclusionCase(["*.md", "!README*.md", "README-secret.md"], "README-secret.md", true),
        ExclusionCase(["*.md", "!README*.md", "README-secret.md"], "README-public.md", false),
        ExclusionCase(["*.md", "README-secret.md", "!README*.md"], "README-secret.md", false),
        ExclusionCase(["!keep", "*"], "keep", true),
        ExclusionCase(["*", "!keep"], "keep", false),
        ExclusionCase(["*", "!keep"], "other", true),
        ExclusionCase(["**", "!util/docker/web"], "util/docker/web/foo", false),
        ExclusionCase(["**", "!util/docker/web"], "util/docker", true),
        ExclusionCase(["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
        ExclusionCase(["**/*.go", "!vendor/**"], "vendor/x/y.go", false),
        ExclusionCase(["**/*.go", "!vendor/**"], "cmd/y.go", true)
    ])
    func lastApplyingRuleWins(_ exclusion: ExclusionCase) throws {
        #expect(try DockerIgnore(patterns: exclusion.patterns).isExcluded(exclusion.path) == exclusion.isExcluded)
    }

    @Test(arguments: [
        ExclusionCase(["node_modules"], "node_modules", true),
        ExclusionCase(["node_modules"], "node_modules/x/y", true),
        ExclusionCase(["node_modules"], "src/node_modules", false),
        ExclusionCase(["node_modules"], "node_modules_old", false),
        ExclusionCase(["**/node_modules"], "src/app/node_modules/x", true),
        ExclusionCase(["a/*"], "a/b/c", true),
        ExclusionCase(["a/*"], "a", false),
        ExclusionCase(["*.md"], "x.md/inner", true),
        ExclusionCase(["*/temp*"], "somedir/temporary.txt", true),
        ExclusionCase(["*/temp*"], "somedir/temp/inner", true),
        ExclusionCase(["*/temp*"], "temp", false),
        ExclusionCase(["*/*/temp*"], "somedir/subdir/temporary.txt", true),
        ExclusionCase(["*/*/temp*"], "somedir/temporary.txt", false),
        ExclusionCase(["dir/**"], "dir", false),
        ExclusionCase(["dir/**"], "dir/a", true)
    ])
    func parentDirectoryMatchesExcludeEverythingBelow(_ exclusion: ExclusionCase) throws {
        #expect(try DockerIgnore(patterns: exclusion.patterns).isExcluded(exclusion.path) == exclusion.isExcluded)
    }

    @Test(arguments: ["a/b", "./a/b", "/a/b", "a/b/", "a//b", "a/c/../b"])
    func cleansQueriedPaths(path: String) throws {
        let ignore = try DockerIgnore(patterns: ["a/b"])
        #expect(ignore.isExcluded(path))
    }

    @Test(arguments: ["", ".", "/", "./"])
    func neverExcludesTheContextRoot(path: String) throws {
        let ignore = try DockerIgnore(patterns: ["*", "**", "."])
        #expect(!ignore.isExcluded(path))
    }

    @Test func exceptionInsideExcludedDirectoryNeedsDescent() throws {
        let ignore = try DockerIgnore(contents: "docs\nbuild\n!docs/keep.md\n")
        #expect(ignore.hasExceptions)
        #expect(ignore.isExcluded("docs"))
        #expect(ignore.isExcluded("docs/other.md"))
        #expect(!ignore.isExcluded("docs/keep.md"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "build"))
    }

    // MARK: - Skipping excluded directories

    @Test func withoutExceptionsExcludedDirectoriesAreSkipped() throws {
        let ignore = try DockerIgnore(patterns: ["node_modules", "*.log"])
        #expect(!ignore.hasExceptions)
        #expect(!ignore.mustDescend(intoExcludedDirectory: "node_modules"))
    }

    @Test func literalExceptionsOnlyOpenTheirAncestors() throws {
        let ignore = try DockerIgnore(patterns: ["*", "!docs/api/index.md", "!a", "!abcd/x"])
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs/api"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "docs/guide"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "ab"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "abc"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "abcd"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "./docs/"))
    }

    @Test func trailingWildcardOfAnExceptionCountsAsItsDirectory() throws {
        let ignore = try DockerIgnore(patterns: ["docs", "!docs/sub/*", "!assets/**"])
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs/sub"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "docs/other"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "assets"))
        #expect(!ignore.isExcluded("docs/sub/file"))
    }

    @Test(arguments: ["!src/**/*.go", "!*.go", "!src/?", "!src/[ab]", "!src/a\\b", "!**/keep"])
    func wildcardExceptionsOpenEveryExcludedDirectory(exception: String) throws {
        let ignore = try DockerIgnore(patterns: ["*", exception])
        #expect(ignore.mustDescend(intoExcludedDirectory: "node_modules"))
    }

    @Test func theRootIsAlwaysWalked() throws {
        let ignore = try DockerIgnore(patterns: ["*"])
        #expect(ignore.mustDescend(intoExcludedDirectory: "."))
    }

    // MARK: - Errors

    @Test func bareExclamationMarkIsAnError() {
        #expect(throws: DockerIgnoreError(file: ".dockerignore", line: 3, pattern: "!", problem: .bareException)) {
            try DockerIgnore(contents: "ok\n\n!\n")
        }
        #expect(throws: DockerIgnoreError(file: ".dockerignore", line: 2, pattern: "!", problem: .bareException)) {
            try DockerIgnore(contents: "a\n  ! \t\n")
        }
    }

    @Test func errorNamesFileLineAndPattern() throws {
        let error = #expect(throws: DockerIgnoreError.self) {
            try DockerIgnore(contents: "x\n# c\n  src/[abc \n")
        }
        #expect(error?.line == 3)
        #expect(error?.pattern == "src/[abc")
        #expect(error?.problem == .invalidGlob(.unterminatedCharacterClass))
        #expect(
            error?.description == """
                .dockerignore:3: invalid pattern "src/[abc": a character class opened with `[` is never closed with `]`
                """)
    }

    @Test func errorUsesTheGivenFileName() {
        let error = #expect(throws: DockerIgnoreError.self) {
            try DockerIgnore(contents: "[z-a]", file: "app.Dockerfile.dockerignore")
        }
        #expect(
            error?.description
                == "app.Dockerfile.dockerignore:1: invalid pattern \"[z-a]\": the character range `z-a` runs backwards")
    }

    @Test func patternListErrorsGiveThePosition() {
        #expect(
            throws: DockerIgnoreError(
                file: ".dockerignore", line: 2, pattern: "!a[]",
                problem: .invalidGlob(.emptyCharacterClass))
        ) {
            try DockerIgnore(patterns: ["ok", "!a[]"])
        }
    }

    @Test(arguments: [
        ("[", PathGlobSyntaxError.unterminatedCharacterClass),
        ("a[", .unterminatedCharacterClass),
        ("[^", .unterminatedCharacterClass),
        ("[^bc", .unterminatedCharacterClass),
        ("[a\\", .unterminatedCharacterClass),
        ("[]a]", .emptyCharacterClass),
        ("[^]", .emptyCharacterClass),
        ("[-]", .strayDashInCharacterClass),
        ("[x-]", .strayDashInCharacterClass),
        ("[-x]", .strayDashInCharacterClass),
        ("[a-b-c]", .strayDashInCharacterClass),
        ("[z-a]", .reversedRange(from: "z", to: "a")),
        ("\\", .danglingEscape),
        ("a\\", .danglingEscape)
    ])
    func rejectsMalformedGlobs(pattern: String, problem: PathGlobSyntaxError) {
        #expect(throws: problem) { try PathGlob(pattern) }
    }
}
