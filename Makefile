# feedd — the two commands a newcomer needs:
#   make run     set up, build, and run feedd once on the sample (Config/feedd.toml) → Feeds/
#   make check   set up, build, and pass every test (what CI runs)
# Others: make install [PREFIX=/usr/local] [DESTDIR=], make bench, make fuzz, make asan, make soak [SOAK_MINUTES=60], make screenshot, make unit-check, make clean
#   make vm-check  boot a Debian 12 guest (qemu) holding `make install`'s files and check the unit under real systemd (root; scripts/VM-CHECK.md)

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR      = $(PREFIX)/bin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR?= $(PREFIX)/lib/tmpfiles.d
MANDIR      = $(PREFIX)/share/man
DOCDIR      = $(PREFIX)/share/doc/feedd
SYSCONFDIR ?= /etc
SHARED     ?= ../shared

.PHONY: run check nginx-check crash-check setup setup-test build release test asan judge-sample unit-check vm-check soak install uninstall bench fuzz fuzz-build screenshot clean

run: setup release
	$$(swift build -c release --show-bin-path)/feedd --once --config Config/feedd.toml
	@echo "Feeds written: $$(ls Feeds/*.atom)"

check: setup-test build test judge-sample unit-check nginx-check crash-check soak vm-check
	@echo "make check: all passed"

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build:
	swift build --build-tests

# The Swift runtime linked into the binary, as `make install` ships it (and
# the benchmark measures it): a faster start and direct calls into the runtime.
release:
	swift build -c release --product feedd --static-swift-stdlib

# The tests and the soak read the shared schema, corpus and judge from SHARED.
export FEEDD_SHARED := $(shell cd $(SHARED) 2>/dev/null && pwd)

test:
	swift test

# The whole suite (and the binary the end-to-end tests run) under
# AddressSanitizer, in a build directory of its own: a few minutes. Leaks are
# not checked (TOMLKit and XCTest leave a few hundred bytes at exit).
asan: setup-test
	ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --build-path .build-asan

# The sample through the real binary, judged by real feed readers.
judge-sample:
	rm -rf .build/judge-sample
	$$(swift build --show-bin-path)/feedd --once --config Config/feedd.toml \
		--output .build/judge-sample/feeds --state-dir .build/judge-sample/state
	$(SHARED)/tools/judge-feed --strict .build/judge-sample/feeds/*.atom .build/judge-sample/feeds/*.rss

unit-check:
	scripts/check-unit.sh

# The unit under a real systemd: a Debian 12 guest booted with qemu, holding
# what `make install` produced (scripts/vm-check.sh; root, a few minutes).
vm-check:
	scripts/vm-check.sh

# SIGKILL the daemon at random moments under a churning writer (issue 3's
# crash-safety script; CRASH_KILLS=300 for the full run).
CRASH_KILLS ?= 20
# The feeds behind nginx on systemd/nginx-feedd.conf: content types, validators,
# gzip, a reader over http:// and a browser (issue 16).
nginx-check:
	scripts/nginx-check.sh "$$(swift build --show-bin-path)/feedd"

crash-check:
	scripts/crash-test.py --kills $(CRASH_KILLS) --binary "$$(swift build --show-bin-path)/feedd"

install: setup
	swift build -c release --product feedd --static-swift-stdlib
	# Stripped: the symbols are for debugging, not for running (98 MB → 65 MB).
	install -D -s -m 0755 "$$(swift build -c release --show-bin-path)/feedd" "$(DESTDIR)$(BINDIR)/feedd"
	# Every installed file names the paths it was really installed to.
	install -d "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(TMPFILESDIR)"
	sed -e "s|/usr/local/bin/feedd|$(BINDIR)/feedd|" -e "s|/usr/lib/sysusers.d|$(SYSUSERSDIR)|" -e "s|/usr/lib/tmpfiles.d|$(TMPFILESDIR)|" \
		systemd/feedd.service > "$(DESTDIR)$(UNITDIR)/feedd.service"
	scripts/instance-unit.sh < "$(DESTDIR)$(UNITDIR)/feedd.service" > "$(DESTDIR)$(UNITDIR)/feedd@.service"
	sed -e "s|/usr/lib/sysusers.d|$(SYSUSERSDIR)|" systemd/feedd.sysusers > "$(DESTDIR)$(SYSUSERSDIR)/feedd.conf"
	sed -e "s|/usr/lib/tmpfiles.d|$(TMPFILESDIR)|" systemd/feedd.tmpfiles > "$(DESTDIR)$(TMPFILESDIR)/feedd.conf"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/feedd.service" "$(DESTDIR)$(UNITDIR)/feedd@.service" "$(DESTDIR)$(SYSUSERSDIR)/feedd.conf" "$(DESTDIR)$(TMPFILESDIR)/feedd.conf"
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/feedd/feedd.toml" ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/feedd/feedd.toml"; \
	else \
		install -d "$(DESTDIR)$(SYSCONFDIR)/feedd"; \
		sed -e "s|/usr/local/share/doc/feedd|$(DOCDIR)|" systemd/feedd.toml > "$(DESTDIR)$(SYSCONFDIR)/feedd/feedd.toml"; \
		chmod 0644 "$(DESTDIR)$(SYSCONFDIR)/feedd/feedd.toml"; \
	fi
	install -d "$(DESTDIR)$(MANDIR)/man1"
	sed -e "s|@DOCDIR@|$(DOCDIR)|g" man/feedd.1 > "$(DESTDIR)$(MANDIR)/man1/feedd.1"
	chmod 0644 "$(DESTDIR)$(MANDIR)/man1/feedd.1"
	install -D -m 0644 Config/feedd.example.toml "$(DESTDIR)$(DOCDIR)/feedd.example.toml"
	install -D -m 0644 docs/log.schema.json "$(DESTDIR)$(DOCDIR)/log.schema.json"
	install -D -m 0644 systemd/feedd-instance.toml "$(DESTDIR)$(DOCDIR)/feedd-instance.toml"
	install -D -m 0644 systemd/nginx-feedd.conf "$(DESTDIR)$(DOCDIR)/nginx-feedd.conf"
	install -D -m 0644 systemd/feedd-websub.conf "$(DESTDIR)$(DOCDIR)/feedd-websub.conf"
	install -D -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/feedd" "$(DESTDIR)$(UNITDIR)/feedd.service" "$(DESTDIR)$(UNITDIR)/feedd@.service" \
		"$(DESTDIR)$(SYSUSERSDIR)/feedd.conf" "$(DESTDIR)$(TMPFILESDIR)/feedd.conf" \
		"$(DESTDIR)$(MANDIR)/man1/feedd.1"
	rm -rf "$(DESTDIR)$(DOCDIR)"

bench:
	bench/run.sh

# The daemon under random edits while its output disk fills and empties
# (scripts/soak.py; needs root for the tmpfs). CI runs one minute.
SOAK_MINUTES ?= 1
soak:
	scripts/soak.py --minutes $(SOAK_MINUTES) --binary "$$(swift build --show-bin-path)/feedd"

# libFuzzer on each parser and on the renderer (Fuzz/README.md):
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="FuzzJSON FuzzListing"]
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= FuzzFrontMatter FuzzJSON FuzzListing FuzzRender
fuzz-build: setup
	cd Fuzz && swift build -c release --sanitize=fuzzer

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p Fuzz/.build/corpus/$$t Fuzz/.build/crashes/$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no Fuzz/.build/release/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=Fuzz/.build/crashes/$$t/ \
			Fuzz/.build/corpus/$$t Fuzz/Corpus/$$t || exit 1; \
	done

screenshot:
	scripts/screenshot.sh

clean:
	rm -rf .build Feeds/*.atom .feedd-state bench/out
