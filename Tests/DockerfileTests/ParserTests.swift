import Dockerfile
import Testing

@Suite("Parser directives")
struct DirectiveTests {
    @Test func escapeSyntaxAndCheckAreRead() throws {
        let parsed = try parse("# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM scratch\n")
        #expect(parsed.directives.escape == "`")
        #expect(parsed.directives.syntax == "docker/dockerfile:1")
        #expect(parsed.directives.check == "skip=all")
    }

    @Test func backtickEscapeContinuesLines() throws {
        let parsed = try parse("# escape=`\nFROM scratch\nRUN echo a `\n  b\nCOPY C:\\src\\ .\n")
        #expect(parsed.instructions[1].arguments == ["echo a   b"])
        #expect(parsed.instructions[2].arguments == ["C:\\src\\", "."])
    }

    @Test func directiveAfterACommentIsAComment() throws {
        let parsed = try parse("# a comment\n# escape=`\nFROM scratch\nRUN a \\\n b\n")
        #expect(parsed.directives.escape == "\\")
        #expect(parsed.instructions[1].arguments == ["a  b"])
    }

    @Test func directiveAfterABlankLineIsAComment() throws {
        let parsed = try parse("\n# escape=`\nFROM scratch\n")
        #expect(parsed.directives.escape == "\\")
    }

    @Test func directiveAfterAnInstructionIsAComment() throws {
        let parsed = try parse("FROM scratch\n# syntax=x\n")
        #expect(parsed.directives.syntax == nil)
    }

    @Test func unknownDirectiveEndsTheDirectiveBlock() throws {
        let parsed = try parse("# foo=bar\n# escape=`\nFROM scratch\n")
        #expect(parsed.directives.escape == "\\")
    }

    @Test func directivesAreCaseInsensitiveAndSpaced() throws {
        let parsed = try parse("#  ESCAPE =  `\nFROM scratch\n")
        #expect(parsed.directives.escape == "`")
    }

    @Test func duplicateDirectiveIsAnError() {
        #expect(parseError("# escape=\\\n# escape=`\nFROM scratch\n") == "Dockerfile:2: only one escape parser directive can be used")
    }

    @Test func invalidEscapeIsAnError() {
        #expect(parseError("# escape=x\nFROM scratch\n") == "Dockerfile:1: invalid escape character 'x': it must be ` or \\")
    }
}

@Suite("Lines, comments and continuations")
struct LineTests {
    @Test func continuationsJoinAndKeepLineNumbers() throws {
        let parsed = try parse("FROM scratch\n\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER app\n")
        let run = parsed.instructions[1]
        #expect(run.arguments == ["apt-get update &&     apt-get install -y curl"])
        #expect(run.line == 3)
        #expect(run.endLine == 4)
        #expect(parsed.instructions[2].line == 5)
    }

    @Test func commentsAndBlankLinesInsideAContinuationAreDropped() throws {
        let run = try instruction(after: "RUN a \\\n# a comment\n\n   \n  && b\n")
        #expect(run.arguments == ["a   && b"])
        #expect(run.endLine == 6)
    }

    @Test func trailingBlanksAfterTheEscapeStillContinue() throws {
        let run = try instruction(after: "RUN a \\   \n b\n")
        #expect(run.arguments == ["a  b"])
    }

    /// BuildKit's parser testfile `trailing-backslash`: an escaped escape character at the
    /// end of a line does not continue it; an escape alone on a line (or after a blank) does.
    @Test func escapedEscapeAtTheEndDoesNotContinue() throws {
        let parsed = try parse(
            #"""
            # https://github.com/docker/for-win/issues/5254

            FROM hello-world

            ENV A path
            ENV B another\\path
            ENV C trailing\\backslash\\
            ENV D This should not be appended to C
            ENV E hello\
            \
            world
            ENV F hello\
             \
            world
            ENV G hello \
            \
            world

            """#)
        let pairs = parsed.instructions.dropFirst().map { instruction -> [String] in
            guard case .env(let pairs) = instruction.command else { return [] }
            return pairs.flatMap { [$0.key, $0.value] }
        }
        #expect(
            pairs == [
                ["A", "path"], ["B", #"another\\path"#], ["C", #"trailing\\backslash\\"#],
                ["D", "This should not be appended to C"], ["E", "helloworld"], ["F", "hello world"],
                ["G", "hello world"]
            ])
        #expect(parsed.instructions.map(\.line) == [3, 5, 6, 7, 8, 9, 12, 15])
    }

    /// docker-library/mongo's Windows Dockerfiles: with `` # escape=` ``, a line ending in
    /// two backticks is complete.
    @Test func escapedBacktickAtTheEndDoesNotContinue() throws {
        let parsed = try parse("# escape=`\nFROM scratch\nRUN echo ``\nRUN echo next `\n  more\n")
        #expect(parsed.instructions.map(\.arguments) == [["scratch"], ["echo ``"], ["echo next   more"]])
    }

    @Test func indentedCommentsAndCRLFLineEndings() throws {
        let parsed = try parse("FROM scratch\r\n   # indented comment\r\nRUN x\r\n")
        #expect(parsed.instructions.map(\.keyword) == [.from, .run])
        #expect(parsed.instructions[1].arguments == ["x"])
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let parsed = try parse("from scratch\nRuN true\nwORKDIR /x\n")
        #expect(parsed.instructions.map(\.keyword) == [.from, .run, .workdir])
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let parsed = try parse("\u{FEFF}FROM scratch\n")
        #expect(parsed.instructions.first?.keyword == .from)
    }
}

@Suite("Exec and shell forms")
struct FormTests {
    @Test func execForm() throws {
        let cmd = try instruction(after: #"CMD ["/bin/echo", "hi there"]"#)
        #expect(cmd.command == .cmd(.exec(["/bin/echo", "hi there"])))
        #expect(cmd.isExecForm == true)
    }

    @Test func shellForm() throws {
        let entrypoint = try instruction(after: "ENTRYPOINT exec top -b")
        #expect(entrypoint.command == .entrypoint(.shell("exec top -b")))
        #expect(entrypoint.isExecForm == false)
    }

    @Test(arguments: [#"CMD ["a", 'b']"#, #"CMD [a]"#, #"CMD ["a""#])
    func invalidJSONFallsBackToShellForm(_ text: String) throws {
        let cmd = try instruction(after: text)
        #expect(cmd.command == .cmd(.shell(String(text.dropFirst(4)))))
    }

    @Test func jsonArrayOfNonStringsIsAnError() {
        #expect(
            parseError("FROM scratch\nCMD [\"a\", 1]\n")
                == "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only")
        #expect(
            parseError("FROM scratch\nRUN [1, 2]\n")
                == "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only")
    }

    @Test func emptyExecFormIsAllowed() throws {
        #expect(try instruction(after: "ENTRYPOINT []").command == .entrypoint(.exec([])))
    }

    @Test func copyInJSONForm() throws {
        let copy = try instruction(after: #"COPY ["a b.txt", "c", "/dest dir/"]"#)
        guard case .copy(let transfer) = copy.command else { Issue.record("not COPY"); return }
        #expect(transfer.sources == ["a b.txt", "c"])
        #expect(transfer.destination == "/dest dir/")
        #expect(transfer.isExecForm)
    }

    @Test func instructionsWithoutAnExecFormSayNil() throws {
        #expect(try instruction(after: "USER app").isExecForm == nil)
    }
}

@Suite("Here-documents")
struct HeredocTests {
    @Test func runWithAHeredoc() throws {
        let run = try instruction(after: "RUN <<EOF\napk add curl\necho $HOME\nEOF\n")
        #expect(run.heredocs == [Heredoc(name: "EOF", content: "apk add curl\necho $HOME\n", expand: true, chomp: false)])
        #expect(run.command == .run(RunCommand(command: .shell("<<EOF"), mounts: [], network: nil, security: nil)))
        #expect(run.line == 2)
        #expect(run.endLine == 5)
    }

    @Test func instructionAfterAHeredocIsParsed() throws {
        let parsed = try parse("FROM scratch\nRUN <<EOF\nx\nEOF\nUSER app\n")
        #expect(parsed.instructions.map(\.keyword) == [.from, .run, .user])
        #expect(parsed.instructions[2].line == 5)
    }

    @Test func dashStripsLeadingTabs() throws {
        let run = try instruction(after: "RUN <<-EOT\n\t\techo a\n\t  b\n\tEOT\n")
        #expect(run.heredocs.first?.content == "echo a\n  b\n")
        #expect(run.heredocs.first?.chomp == true)
    }

    @Test(arguments: ["<<\"EOF\"", "<<'EOF'"])
    func quotedDelimiterDisablesExpansion(_ opener: String) throws {
        let run = try instruction(after: "RUN cat \(opener)\n$HOME\nEOF\n")
        #expect(run.heredocs.first?.name == "EOF")
        #expect(run.heredocs.first?.expand == false)
        #expect(run.heredocs.first?.content == "$HOME\n")
    }

    @Test func severalHeredocsOnOneLine() throws {
        let copy = try instruction(after: "COPY <<FILE1 <<FILE2 /dest/\none\nFILE1\ntwo\nFILE2\n")
        #expect(copy.heredocs.map(\.name) == ["FILE1", "FILE2"])
        #expect(copy.heredocs.map(\.content) == ["one\n", "two\n"])
        guard case .copy(let transfer) = copy.command else { Issue.record("not COPY"); return }
        #expect(transfer.sources == ["<<FILE1", "<<FILE2"])
        #expect(transfer.destination == "/dest/")
    }

    @Test func fileDescriptorBeforeTheOpener() throws {
        let run = try instruction(after: "RUN python3 /dev/fd/3 3<<PY\nprint(1)\nPY\n")
        #expect(run.heredocs.first?.fileDescriptor == 3)
        #expect(run.heredocs.first?.name == "PY")
    }

    @Test func heredocsBehindOnbuild() throws {
        let onbuild = try instruction(after: "ONBUILD RUN <<EOF\necho hi\nEOF\n")
        guard case .onbuild(let trigger) = onbuild.command else { Issue.record("not ONBUILD"); return }
        #expect(trigger.heredocs.first?.content == "echo hi\n")
    }

    @Test func quotedOrJSONOrOtherInstructionsOpenNone() throws {
        #expect(try instruction(after: "RUN echo \"<<EOF\"").heredocs.isEmpty)
        #expect(try instruction(after: #"RUN ["cat", "<<EOF"]"#).heredocs.isEmpty)
        #expect(try instruction(after: "LABEL x=<<EOF").heredocs.isEmpty)
    }

    @Test func unterminatedHeredocIsAnError() {
        #expect(
            parseError("FROM scratch\nRUN <<EOF\necho\n")
                == "Dockerfile:2: unterminated heredoc: no line 'EOF' closes <<EOF before the end of the file")
    }
}
