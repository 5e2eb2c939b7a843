# Builds and installs swiftbuild with Swift 6 (export PATH=/opt/swift/usr/bin:$PATH).
#   make                 build swiftbuild (release)
#   make completions     bash, zsh and fish completion scripts, written by the argument parser
#                        (swiftbuild --generate-completion-script SHELL)
#   make man             man pages: swiftbuild(1) and one per subcommand (swiftbuild.build(1),
#                        ...), written by swift-argument-parser's generate-manual plugin
#   make install         the binary, the completions and the man pages under $(DESTDIR)$(PREFIX)
#   make image           the CI image of the top-level Dockerfile, built by this swiftbuild
#                        (docs/ci.md)
# CONFIGURATION=debug builds and installs a debug build instead (scripts/test-install does).

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
CONFIGURATION ?= release

BINDIR := $(DESTDIR)$(PREFIX)/bin
BASH_COMPLETIONS := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_COMPLETIONS := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISH_COMPLETIONS := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
MAN1DIR := $(DESTDIR)$(PREFIX)/share/man/man1

# What these targets make, beside SwiftPM's own build directory.
OUT := .build/share-$(CONFIGURATION)
SWIFTBUILD = $(shell $(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/swiftbuild
# The man pages carry the date of the last commit, so the same sources give the same pages.
MAN_DATE = $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)

# For `make image`: the base image both stages start from, the toolchain directory, and
# more options for `swiftbuild build` (IMAGE_ARGS="--build-arg SWIFT_PACKAGES=...", docs/ci.md).
IMAGE ?= swiftbuild:latest
BASE ?= debian:bookworm
SWIFT_TOOLCHAIN ?= /opt/swift
IMAGE_ARGS ?=

.PHONY: all build completions man install uninstall image clean

all: build

build:
	$(SWIFT) build -c $(CONFIGURATION) --product swiftbuild

completions: build
	mkdir -p $(OUT)/completions
	$(SWIFTBUILD) --generate-completion-script bash > $(OUT)/completions/swiftbuild.bash
	$(SWIFTBUILD) --generate-completion-script zsh > $(OUT)/completions/_swiftbuild
	$(SWIFTBUILD) --generate-completion-script fish > $(OUT)/completions/swiftbuild.fish

# The plugin builds the package's products in CONFIGURATION, then runs each one that uses
# ArgumentParser with --experimental-dump-help and writes its pages.
man:
	$(SWIFT) package plugin generate-manual --configuration $(CONFIGURATION) \
		--multi-page --date $(MAN_DATE)
	rm -rf $(OUT)/man1
	mkdir -p $(OUT)/man1
	cp .build/plugins/GenerateManual/outputs/swiftbuild/*.1 $(OUT)/man1/

install: build completions man
	install -D -m 0755 $(SWIFTBUILD) $(BINDIR)/swiftbuild
	install -D -m 0644 $(OUT)/completions/swiftbuild.bash $(BASH_COMPLETIONS)/swiftbuild
	install -D -m 0644 $(OUT)/completions/_swiftbuild $(ZSH_COMPLETIONS)/_swiftbuild
	install -D -m 0644 $(OUT)/completions/swiftbuild.fish $(FISH_COMPLETIONS)/swiftbuild.fish
	install -d $(MAN1DIR)
	install -m 0644 $(OUT)/man1/*.1 $(MAN1DIR)/

uninstall:
	rm -f $(BINDIR)/swiftbuild $(BASH_COMPLETIONS)/swiftbuild $(ZSH_COMPLETIONS)/_swiftbuild \
		$(FISH_COMPLETIONS)/swiftbuild.fish $(MAN1DIR)/swiftbuild.1 $(MAN1DIR)/swiftbuild.*.1

image: build
	$(SWIFTBUILD) build --build-arg BASE=$(BASE) --build-context swift=$(SWIFT_TOOLCHAIN) \
		$(IMAGE_ARGS) -t $(IMAGE) .

clean:
	rm -rf $(OUT)
