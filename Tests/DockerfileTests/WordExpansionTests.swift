import Testing

@testable import Dockerfile

/// The variables BuildKit's own lexer tests run with.
private let shellEnvironment = ["PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""]

/// One expansion with its own environment.
struct ExpansionCase: Sendable, CustomTestStringConvertible {
    var word: String
    var environment: [String: String]
    var expected: String

    var testDescription: String { word }
}

/// One expansion into words with its own environment.
struct WordsCase: Sendable, CustomTestStringConvertible {
    var text: String
    var environment: [String: String]
    var expected: [String]

    var testDescription: String { text }
}

@Suite("Word expansion")
struct WordExpansionTests {
    let expander = WordExpander()

    // MARK: - Quotes, escapes and plain variables

    @Test(
        "expands one word as BuildKit does",
        arguments: [
            ("hello", "hello"),
            ("he'l'lo", "hello"),
            ("he\\'llo", "he'llo"),
            ("abc\\tdef", "abctdef"),
            ("\"abc\\tdef\"", "abc\\tdef"),
            ("\"abc\\\\tdef\"", "abc\\tdef"),
            ("'abc\\tdef'", "abc\\tdef"),
            ("hello\\", "hello"),
            ("hello\\\\", "hello\\"),
            ("\"hel'lo\"", "hel'lo"),
            ("'hello\\'", "hello\\"),
            ("'hello\\\\there'", "hello\\\\there"),
            ("\"''\"", "''"),
            ("'\"hello\"'", "\"hello\""),
            ("\"a\\\"b\"", "a\"b"),
            ("a  b", "a  b"),
            ("\"\"", ""),
            ("$.", "$."),
            ("$", "$"),
            ("a$ b", "a$ b"),
            ("$/x", "$/x"),
            ("he$1x", "hex"),
            ("he$12x", "hex"),
            ("he$.x", "he$.x"),
            ("he$pwd.", "he."),
            ("he$PWD", "he/home"),
            ("$PWD-x", "/home-x"),
            ("$PWD.x", "/home.x"),
            ("$PWDx", ""),
            ("he\\$PWD", "he$PWD"),
            ("he\\\\$PWD", "he\\/home"),
            ("\"he\\$PWD\"", "he$PWD"),
            ("\"he\\\\$PWD\"", "he\\/home"),
            ("\\${}", "${}"),
            ("he\\${}xx", "he${}xx"),
            ("\\${PWD}", "${PWD}"),
            ("he${hi}xx", "hexx"),
            ("he${PWD}", "he/home"),
            ("${PWD}_bar", "/home_bar"),
            ("'he${XX}'", "he${XX}"),
            ("\"he${PWD}\"", "he/home"),
            ("\"he'$PWD'\"", "he'/home'"),
            ("'$PWD'", "$PWD"),
            ("'\\$PWD'", "\\$PWD"),
            ("$KOREAN", "한국어"),
            ("안녕$KOREAN", "안녕한국어"),
            ("안'녕'하세요", "안녕하세요"),
            ("$@$*$#$?$-$$$!", ""),
            ("${@}", "")
        ])
    func expandsWord(word: String, expected: String) throws {
        #expect(try expander.expand(word, environment: shellEnvironment).value == expected)
    }

    @Test("reads names made of letters in any script, digits and underscores")
    func namesFollowBuildKit() throws {
        let environment = ["été": "summer", "A_1": "one", "1": "first"]
        #expect(try expander.expand("$été!", environment: environment).value == "summer!")
        #expect(try expander.expand("$A_1-", environment: environment).value == "one-")
        #expect(try expander.expand("$1A_1", environment: environment).value == "firstA_1")
    }

    // MARK: - Conditional forms

    @Test(
        "applies -, +, :- and :+ to set, empty and unset variables",
        arguments: [
            ("${SET:-word}", "value"), ("${EMPTY:-word}", "word"), ("${UNSET:-word}", "word"),
            ("${SET-word}", "value"), ("${EMPTY-word}", ""), ("${UNSET-word}", "word"),
            ("${SET:+word}", "word"), ("${EMPTY:+word}", ""), ("${UNSET:+word}", ""),
            ("${SET+word}", "word"), ("${EMPTY+word}", "word"), ("${UNSET+word}", ""),
            ("${SET:?message}", "value"), ("${EMPTY?message}", ""), ("${SET?}", "value"),
            ("${UNSET:-}", ""), ("${SET:-}", "value")
        ])
    func appliesConditionalForms(word: String, expected: String) throws {
        let environment = ["SET": "value", "EMPTY": ""]
        #expect(try expander.expand(word, environment: environment).value == expected)
    }

    @Test(
        "expands the word of a conditional form",
        arguments: [
            ("he${XXX:-000}xx", "he000xx"),
            ("he${PWD:-000}xx", "he/homexx"),
            ("he${XXX:-$PWD}xx", "he/homexx"),
            ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
            ("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
            ("he${XXX:+${PWD}}xx", "hexx"),
            ("he${PWD:+${XXX}}xx", "hexx"),
            ("he${PWD:+${SHELL}}xx", "hebashxx"),
            ("he${PWD:+${PWD}:}xx", "he/home:xx"),
            ("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
            ("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"),
            ("${XXX:-a b}", "a b"),
            ("${XXX:-'a}b'}", "a}b"),
            ("${XXX:-\"$SHELL}\"}", "bash}"),
            ("${XXX:-a\\}b}", "a}b"),
            ("he${NULL?}", "he"),
            ("he${PWD:?}", "he/home")
        ])
    func expandsNestedWords(word: String, expected: String) throws {
        #expect(try expander.expand(word, environment: shellEnvironment).value == expected)
    }

    @Test(
        "fails a required variable with BuildKit's message or the user's",
        arguments: [
            ("${VAR?}", "VAR: is not allowed to be unset"),
            ("${VAR:?}", "VAR: is not allowed to be unset"),
            ("${EMPTY:?}", "EMPTY: is not allowed to be empty"),
            ("${VAR?set VAR with --build-arg}", "VAR: set VAR with --build-arg"),
            ("${VAR:?message here$ARG}", "VAR: message herex"),
            ("${EMPTY:?message here$ARG}", "EMPTY: message herex"),
            ("\"${VAR?needed}\"", "VAR: needed"),
            ("${SET:+${VAR?inner}}", "VAR: inner")
        ])
    func requiredVariables(word: String, message: String) {
        let environment = ["EMPTY": "", "ARG": "x", "SET": "yes"]
        #expect(throws: WordExpansionError(word: word, message: message)) {
            try expander.expand(word, environment: environment)
        }
    }

    // MARK: - Patterns

    @Test(
        "removes prefixes and suffixes, shortest or longest",
        arguments: [
            ExpansionCase(word: "${S#f*b}", environment: ["S": "foobarbaz"], expected: "arbaz"),
            ExpansionCase(word: "${S##f*b}", environment: ["S": "foobarbaz"], expected: "az"),
            ExpansionCase(word: "${S%b*}", environment: ["S": "foobarbaz"], expected: "foobar"),
            ExpansionCase(word: "${S%%b*}", environment: ["S": "foobarbaz"], expected: "foo"),
            ExpansionCase(word: "${P#/*/}", environment: ["P": "/home/cam/book/long.file.name"], expected: "cam/book/long.file.name"),
            ExpansionCase(word: "${P##/*/}", environment: ["P": "/home/cam/book/long.file.name"], expected: "long.file.name"),
            ExpansionCase(word: "${P%.*}", environment: ["P": "/home/cam/book/long.file.name"], expected: "/home/cam/book/long.file"),
            ExpansionCase(word: "${P%%.*}", environment: ["P": "/home/cam/book/long.file.name"], expected: "/home/cam/book/long"),
            ExpansionCase(word: "${FOO#*x*y}", environment: ["FOO": "xxyy"], expected: "y"),
            ExpansionCase(word: "${FOO#*}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO##*}", environment: ["FOO": "xxyy"], expected: ""),
            ExpansionCase(word: "${FOO##*x}", environment: ["FOO": "xxyy"], expected: "yy"),
            ExpansionCase(word: "${FOO#}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO##}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO%}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO%x}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO%y*}", environment: ["FOO": "xxyy"], expected: "xxy"),
            ExpansionCase(word: "${FOO%%y*}", environment: ["FOO": "xxyy"], expected: "xx"),
            ExpansionCase(word: "${FOO#?}", environment: ["FOO": "xxyy"], expected: "xyy"),
            ExpansionCase(word: "${FOO#zz}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO#$BAR}", environment: ["FOO": "xxyy", "BAR": "x"], expected: "xyy"),
            ExpansionCase(word: "${FOO#$BAR}", environment: ["FOO": "xxyy", "BAR": ""], expected: "xxyy"),
            ExpansionCase(word: "${FOO%%$BAR}", environment: ["FOO": "xxyy", "BAR": ""], expected: "xxyy"),
            ExpansionCase(word: "${FOO#?\\?}", environment: ["FOO": "???y"], expected: "?y"),
            ExpansionCase(word: "${FOO%%\\**}", environment: ["FOO": "xx**"], expected: "xx"),
            ExpansionCase(word: "${FOO%%\\**\\*}", environment: ["FOO": "a***yy*"], expected: "a"),
            ExpansionCase(word: "${FOO#()[]{\\}^$.\\*\\?|\\\\}", environment: ["FOO": "()[]{}^$.*?|\\x"], expected: "x"),
            ExpansionCase(word: "${FOO#[ab]}", environment: ["FOO": "a[ab]"], expected: "a[ab]"),
            ExpansionCase(word: "${FOO#a[ab]}", environment: ["FOO": "a[ab]c"], expected: "c"),
            ExpansionCase(word: "${FOO#\"*\"}", environment: ["FOO": "abc"], expected: "abc"),
            ExpansionCase(word: "${FOO##\"*\"}", environment: ["FOO": "abc"], expected: ""),
            ExpansionCase(word: "${FOO#\"\\$\"}", environment: ["FOO": "$abc"], expected: "abc"),
            ExpansionCase(word: "${FOO#\"a\\b\"}", environment: ["FOO": "a\\bc"], expected: "c"),
            ExpansionCase(word: "${FOO#é?}", environment: ["FOO": "éàz"], expected: "z"),
            ExpansionCase(word: "${UNSET#*}", environment: [:], expected: ""),
            ExpansionCase(word: "${ABC:-.}${FOO%x}${ABC:-.}", environment: ["FOO": "xxyy"], expected: ".xxyy."),
            ExpansionCase(word: "${VERSION#v}", environment: ["VERSION": "v1.2.3"], expected: "1.2.3")
        ])
    func trimsPatterns(_ example: ExpansionCase) throws {
        #expect(try expander.expand(example.word, environment: example.environment).value == example.expected)
    }

    @Test(
        "replaces the first or every match of a pattern",
        arguments: [
            ExpansionCase(word: "${S/ba/fo}", environment: ["S": "foobarbaz"], expected: "fooforbaz"),
            ExpansionCase(word: "${S//ba/fo}", environment: ["S": "foobarbaz"], expected: "fooforfoz"),
            ExpansionCase(word: "${S/b*/X}", environment: ["S": "foobarbaz"], expected: "fooX"),
            ExpansionCase(word: "${S//?/-}", environment: ["S": "abc"], expected: "---"),
            ExpansionCase(word: "${S//*/x}", environment: ["S": "abc"], expected: "x"),
            ExpansionCase(word: "${S/zz/x}", environment: ["S": "abc"], expected: "abc"),
            ExpansionCase(word: "${S/b/}", environment: ["S": "abc"], expected: "ac"),
            ExpansionCase(
                word: "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
                environment: ["FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"],
                expected: "/foo.*/*.txt - /foo..*.txt"
            ),
            ExpansionCase(
                word: "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
                environment: ["FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"],
                expected: "/tmp/bar.txt - /bar.txt"
            ),
            ExpansionCase(
                word: "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                environment: ["FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"],
                expected: "/foo/b/c.txt - /foo/c.txt"
            ),
            ExpansionCase(
                word: "${FOO/$NEEDLE/$REPLACEMENT}",
                environment: ["FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"],
                expected: "https://google.de"
            ),
            ExpansionCase(word: "${FOO//\\//\\/}", environment: ["FOO": "/tmp/foo.txt"], expected: "\\/tmp\\/foo.txt"),
            ExpansionCase(word: "${FOO/\"/\"/:}", environment: ["FOO": "a/b/c"], expected: "a:b/c"),
            ExpansionCase(word: "${FOO//-/$SEP}", environment: ["FOO": "a-b-c", "SEP": "$HOME"], expected: "a$HOMEb$HOMEc"),
            ExpansionCase(word: "${FOO/$BAR/ww}", environment: ["FOO": "xxyy", "BAR": ""], expected: "wwxxyy"),
            ExpansionCase(word: "${FOO//$BAR/-}", environment: ["FOO": "ab", "BAR": ""], expected: "-a-b-"),
            ExpansionCase(word: "${FOO//x*/-}", environment: ["FOO": "axbxc"], expected: "a-"),
            ExpansionCase(word: "${FOO///}", environment: ["FOO": "xxyy"], expected: "xxyy"),
            ExpansionCase(word: "${FOO///}", environment: [:], expected: ""),
            ExpansionCase(word: "${FOO/a}b/c}", environment: ["FOO": "xa}by"], expected: "xcy")
        ])
    func replacesPatterns(_ example: ExpansionCase) throws {
        #expect(try expander.expand(example.word, environment: example.environment).value == example.expected)
    }

    // MARK: - Errors

    @Test(
        "reports syntax errors in BuildKit's words",
        arguments: [
            ("he'llo", "unexpected end of statement while looking for matching single-quote"),
            ("'hello", "unexpected end of statement while looking for matching single-quote"),
            ("\"hello", "unexpected end of statement while looking for matching double-quote"),
            ("\"hello\\\"", "unexpected end of statement while looking for matching double-quote"),
            ("he\\\\'llo", "unexpected end of statement while looking for matching single-quote"),
            ("${", "syntax error: missing '}'"),
            ("he${PWD", "syntax error: missing '}'"),
            ("${PWD:", "syntax error: missing '}'"),
            ("${PWD:-abc", "syntax error: missing '}'"),
            ("${PWD:-'abc}", "syntax error: missing '}'"),
            ("${PWD#abc", "syntax error: missing '}'"),
            ("${PWD/abc", "syntax error: missing '/' in ${}"),
            ("${FOO//ww}", "syntax error: missing '/' in ${}"),
            ("${FOO//}", "syntax error: missing '/' in ${}"),
            ("${PWD/a/b", "syntax error: missing '}'"),
            ("${}", "syntax error: bad substitution"),
            ("he${}xx", "syntax error: bad substitution"),
            ("${{PWD}}", "syntax error: bad substitution"),
            ("${:-x}", "syntax error: bad substitution"),
            ("he${.}", "unsupported modifier (.) in substitution"),
            ("${PWD=x}", "unsupported modifier (=) in substitution"),
            ("${PWD:=000}", "unsupported modifier (:=) in substitution"),
            ("${XXX:YYY}", "unsupported modifier (:Y) in substitution"),
            ("${PWD:#x}", "unsupported modifier (:#) in substitution"),
            ("${PWD:%x}", "unsupported modifier (:%) in substitution"),
            ("${#PWD}", "unsupported modifier (P) in substitution"),
            ("${PWD:0:2}", "unsupported modifier (:0) in substitution"),
            ("${ PWD}", "unsupported modifier ( ) in substitution"),
            ("${XXX:-${YYY:?inner}}", "YYY: inner")
        ])
    func reportsErrors(word: String, message: String) {
        #expect(throws: WordExpansionError(word: word, message: message)) {
            try expander.expand(word, environment: shellEnvironment)
        }
    }

    @Test("describes an error as BuildKit does, with the word quoted")
    func errorDescription() {
        let error = WordExpansionError(word: "a\"b\\${X?}", message: "X: is not allowed to be unset")
        #expect(error.description == #"failed to process "a\"b\\${X?}": X: is not allowed to be unset"#)
    }

    @Test("reports the same errors when splitting into words")
    func wordsReportErrors() {
        #expect(throws: WordExpansionError(word: "a ${B", message: "syntax error: missing '}'")) {
            try expander.expandWords("a ${B", environment: [:])
        }
    }

    // MARK: - Splitting into words

    @Test(
        "splits into words after expansion, on unprotected whitespace",
        arguments: [
            WordsCase(text: "hello", environment: [:], expected: ["hello"]),
            WordsCase(text: "hello${hi}bye", environment: [:], expected: ["hellobye"]),
            WordsCase(text: "hello${hi}bye", environment: ["hi": "hi"], expected: ["hellohibye"]),
            WordsCase(text: "hello${space}bye", environment: ["space": "abc  def"], expected: ["helloabc", "defbye"]),
            WordsCase(text: "hello\"${space}\"bye", environment: ["space": "abc  def"], expected: ["helloabc  defbye"]),
            WordsCase(text: "hello \"${space}\"bye", environment: ["space": "abc  def"], expected: ["hello", "abc  defbye"]),
            WordsCase(text: "hello${leading}def", environment: ["leading": "  ab c"], expected: ["hello", "ab", "cdef"]),
            WordsCase(text: "hello\"${leading}\" def", environment: ["leading": "  ab c"], expected: ["hello  ab c", "def"]),
            WordsCase(text: "hello${leading}", environment: ["leading": "  ab c"], expected: ["hello", "ab", "c"]),
            WordsCase(text: "hello${trailing}d", environment: ["trailing": "ab c   "], expected: ["helloab", "c", "d"]),
            WordsCase(text: "hello\"${trailing}\"d", environment: ["trailing": "ab c   "], expected: ["helloab c   d"]),
            WordsCase(text: "hel\"lo${trailing}\"", environment: ["trailing": "ab c   "], expected: ["helloab c   "]),
            WordsCase(text: "hello\" there  \"", environment: [:], expected: ["hello there  "]),
            WordsCase(text: "  hello   there  ", environment: [:], expected: ["hello", "there"]),
            WordsCase(text: "hello\\ there", environment: [:], expected: ["hello there"]),
            WordsCase(text: "hello\\\" there", environment: [:], expected: ["hello\"", "there"]),
            WordsCase(text: "hello\"\\\\there\"", environment: [:], expected: ["hello\\there"]),
            WordsCase(text: "hello\"\\there\"", environment: [:], expected: ["hello\\there"]),
            WordsCase(text: "hello'\\\\there'", environment: [:], expected: ["hello\\\\there"]),
            WordsCase(text: "hello'$there'", environment: [:], expected: ["hello$there"]),
            WordsCase(text: "a\tb\nc", environment: [:], expected: ["a", "b", "c"]),
            WordsCase(text: "a \"\" b", environment: [:], expected: ["a", "b"]),
            WordsCase(text: "\"\"", environment: [:], expected: []),
            WordsCase(text: "''", environment: [:], expected: []),
            WordsCase(text: "$UNSET", environment: [:], expected: []),
            WordsCase(text: "", environment: [:], expected: []),
            WordsCase(text: "${X:-\"a b\"}", environment: [:], expected: ["a", "b"]),
            WordsCase(text: "\"${X:-a b}\"", environment: [:], expected: ["a b"]),
            WordsCase(text: "80/tcp ${PORT}/udp", environment: ["PORT": "53"], expected: ["80/tcp", "53/udp"]),
            WordsCase(
                text: "--platform=$BUILDPLATFORM golang:${GO_VERSION:-1.22} AS build",
                environment: ["BUILDPLATFORM": "linux/amd64"],
                expected: ["--platform=linux/amd64", "golang:1.22", "AS", "build"]
            )
        ])
    func splitsWords(_ example: WordsCase) throws {
        #expect(try expander.expandWords(example.text, environment: example.environment).words == example.expected)
    }

    @Test("keeps whitespace when expanding one word")
    func singleWordKeepsWhitespace() throws {
        let environment = ["space": " a  b "]
        #expect(try expander.expand("x${space}y z", environment: environment).value == "x a  b y z")
    }

    // MARK: - Referenced names

    @Test("reports every name it looked up, set or not")
    func referencedNames() throws {
        let expansion = try expander.expand(
            "${FOO-aaa} ${BAR:+b} $BAZ \\$ESCAPED '$QUOTED' \"$DOUBLE\"",
            environment: ["FOO": "xxx", "BAR": ""]
        )
        #expect(expansion.value == "xxx   $ESCAPED $QUOTED ")
        #expect(expansion.referencedNames == ["FOO", "BAR", "BAZ", "DOUBLE"])
    }

    @Test("reports names used in nested words, patterns and replacements")
    func referencedNamesInOperands() throws {
        let expansion = try expander.expand(
            "${A:-$B}${C/$D/${E}}${F#$G}",
            environment: ["A": "a", "C": "c", "F": "f"]
        )
        #expect(expansion.value == "acf")
        #expect(expansion.referencedNames == ["A", "B", "C", "D", "E", "F", "G"])
    }

    @Test("reports no names for text without variables")
    func noReferencedNames() throws {
        #expect(try expander.expand("plain $ text", environment: [:]) == WordExpansion(value: "plain $ text", referencedNames: []))
        #expect(try expander.expandWords("a b", environment: [:]) == WordListExpansion(words: ["a", "b"], referencedNames: []))
    }

    @Test("reports names when splitting into words")
    func referencedNamesOfWords() throws {
        let expansion = try expander.expandWords("${VERSION} $UNSET", environment: ["VERSION": "1"])
        #expect(expansion == WordListExpansion(words: ["1"], referencedNames: ["VERSION", "UNSET"]))
    }

    // MARK: - Backtick escape character

    @Test(
        "uses a backtick as the escape character when the directive says so",
        arguments: [
            ("`$PWD", "$PWD"),
            ("``$PWD", "`/home"),
            ("C:\\Users\\$SHELL", "C:\\Users\\bash"),
            ("\"C:\\dir\"", "C:\\dir"),
            ("\"a`\"b\"", "a\"b"),
            ("\"`$PWD\"", "$PWD"),
            ("\"``\"", "`"),
            ("\"`x\"", "`x"),
            ("'`$PWD'", "`$PWD"),
            ("a` b", "a b"),
            ("${X:-a`}b}", "a}b"),
            ("${PWD#`/}", "home"),
            ("${V#`*}", "x"),
            ("${V#\\*}", "*x"),
            ("${W%\\*}", "C:\\dir")
        ])
    func backtickEscape(word: String, expected: String) throws {
        let expander = WordExpander(escapeCharacter: "`")
        let environment = shellEnvironment.merging(["V": "*x", "W": "C:\\dir\\file"]) { $1 }
        #expect(try expander.expand(word, environment: environment).value == expected)
    }

    @Test("splits words on whitespace a backtick does not escape")
    func backtickWords() throws {
        let expander = WordExpander(escapeCharacter: "`")
        #expect(try expander.expandWords("C:\\a` b c\\d", environment: [:]).words == ["C:\\a b", "c\\d"])
    }

    // MARK: - Glob patterns

    @Test("parses wildcards, escapes and literal brackets")
    func parsesGlob() {
        let pattern = GlobPattern("a*?\\*[x]\\", escape: "\\")
        #expect(
            pattern.elements == [
                .literal("a"), .anyRun, .anyScalar, .literal("*"), .literal("["), .literal("x"), .literal("]"), .literal("\\")
            ])
    }

    @Test(
        "lists the lengths of matching prefixes, shortest first",
        arguments: [
            ("*", "abc", [0, 1, 2, 3]),
            ("a*", "abc", [1, 2, 3]),
            ("*b", "abcb", [2, 4]),
            ("?", "abc", [1]),
            ("", "abc", [0]),
            ("x", "abc", []),
            ("a**c", "abc", [3])
        ])
    func prefixLengths(pattern: String, text: String, expected: [Int]) {
        let glob = GlobPattern(pattern, escape: "\\")
        #expect(glob.matchingPrefixLengths(of: Array(text.unicodeScalars)[...]) == expected)
    }
}
