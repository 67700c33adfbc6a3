# On a fresh Debian 12 machine (root, apt works) `make demo` and `make test`
# are the whole set-up: missing system packages are installed with apt-get.

SWIFT      ?= swift
BUILD_DIR  ?= .build
SWIFT_FLAGS = --scratch-path $(BUILD_DIR)
FUZZ_SECONDS ?= 60

# System packages the build and the tests use. libnm-dev, gcc and make build
# nm-plugin/ (the NetworkManager editor plugin and auth dialog); its nmcli
# test runs network-manager on a private dbus-daemon (installing them starts
# nothing). ppp-dev has the headers nm-plugin/pppd/ builds the pppd plugin
# against (for exactly the installed ppp's version).
APT_PACKAGES = libssl-dev openssl libdbus-1-dev libglib2.0-dev pkg-config \
	iproute2 iputils-ping python3 ca-certificates tinyproxy \
	dbus dbus-bin dbus-daemon systemd libglib2.0-bin \
	user-mode-linux kmod ppp ppp-dev sstp-client \
	gcc libc6-dev make libnm-dev network-manager \
	man-db
# The editor windows (GTK 3 and GTK 4, with libnma) and the auth dialog's
# graphical prompt; their tests run nm-connection-editor (network-manager-gnome)
# under Xvfb, driven through AT-SPI (python3-pyatspi, at-spi2-core,
# libatk-adaptor) and xdotool, with screenshots by ImageMagick's import.
APT_PACKAGES += libnma-dev libnma-gtk4-dev libgtk-3-dev libgtk-4-dev \
	xvfb xauth network-manager-gnome python3-pyatspi at-spi2-core libatk-adaptor \
	xdotool imagemagick

# What `make bench` needs besides APT_PACKAGES (not installed by `make test`):
# iperf3 and socat for the throughput figures, python3-jeepney for the D-Bus
# connect timer, valgrind and linux-perf for `make bench-profile`.
BENCH_PACKAGES = iperf3 socat python3-jeepney valgrind linux-perf
# The rival VPNs of the rivals section (bench/rivals.py).
BENCH_PACKAGES += openconnect ocserv openvpn wireguard-go wireguard-tools
BENCH_PYTHON ?= /usr/bin/python3
# `make bench PROFILE_ARGS="callgrind up client"` picks what bench-profile runs.
PROFILE_ARGS ?= callgrind up client

# `make install DESTDIR=...` lays the files out under $(DESTDIR)$(PREFIX).
DESTDIR ?=
PREFIX  ?= /usr
LIBEXECDIR ?= $(PREFIX)/libexec
# The Swift binaries to install: the debug build by default; for a release
# build, `swift build -c release` and pass SWIFT_BIN_DIR=$(BUILD_DIR)/release.
SWIFT_BIN_DIR ?= $(BUILD_DIR)/debug
SWIFT_SERVICE_BIN ?= sstp-service

.PHONY: all build test fuzz demo deps lint clean install bench bench-deps bench-build bench-profile apt-install

all: build

deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

bench-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(BENCH_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "run as root (or install:$$missing)"; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# One build of the package and its tests, reused by every later step.
# nm-plugin/pppd builds the pppd plugin and the fake-pppd harness that
# Tests/PPPDPluginTests drive.
build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(MAKE) -C nm-plugin
	$(MAKE) -C nm-plugin/pppd

test: build
	$(MAKE) -C nm-plugin test
	$(MAKE) -C nm-plugin/pppd test
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build
	SSTP_BUILD_DIR=$(BUILD_DIR)/debug python3 -m unittest discover -s Tests/e2e -p 'test_*.py' -v

# Benchmarks (bench/README.md): a release build, the C helpers, then one
# run of every section; knobs are BENCH_* environment variables.
bench-build: deps bench-deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release
	$(MAKE) -C bench/tools OUT=$(abspath $(BUILD_DIR))/bench

bench: bench-build
	SSTP_BUILD_DIR=$(abspath $(BUILD_DIR))/release BENCH_TOOLS=$(abspath $(BUILD_DIR))/bench $(BENCH_PYTHON) bench/run.py

bench-profile: bench-build
	SSTP_BUILD_DIR=$(abspath $(BUILD_DIR))/release BENCH_TOOLS=$(abspath $(BUILD_DIR))/bench $(BENCH_PYTHON) bench/profile.py $(PROFILE_ARGS)

# Man pages and shell completions from the option table (sstp-docgen):
# $(BUILD_DIR)/docs/man/{sstp.1,sstp-service.8,sstp.conf.5} and
# $(BUILD_DIR)/docs/completion/{sstp.bash,_sstp,sstp.fish}.
.PHONY: docs
docs: build
	$(BUILD_DIR)/debug/sstp-docgen --out $(BUILD_DIR)/docs --sstp $(BUILD_DIR)/debug/sstp --readme README.md

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

demo: build
	SSTP_BUILD_DIR=$(BUILD_DIR)/debug python3 Tests/e2e/demo.py

lint:
	$(SWIFT) format lint -r Sources Tests Fuzz/Sources Package.swift

# The NetworkManager parts (nm-plugin/Makefile): the .name file in
# /usr/lib/NetworkManager/VPN (NetworkManager reads no other place), the
# editor plugin in libnm's plugin directory, the auth dialog in libexec.
install: build
	$(MAKE) -C nm-plugin install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBEXECDIR=$(LIBEXECDIR)
	@# The pppd plugin of the pppd backend: pppd's own plugin directory,
	@# /usr/lib/pppd/<pppd version>/ whatever the prefix (nm-plugin/pppd/README.md).
	$(MAKE) -C nm-plugin/pppd install DESTDIR=$(DESTDIR)
	@# --- Swift binaries: the command line and the D-Bus service ---------------
	@# SWIFT_SERVICE_BIN is the executable that nm-sstp-service.name starts
	@# (program=$(LIBEXECDIR)/sstp/sstp-service); set its product name here.
	install -D -m 0755 $(SWIFT_BIN_DIR)/sstp $(DESTDIR)$(PREFIX)/bin/sstp
	@if [ -x $(SWIFT_BIN_DIR)/$(SWIFT_SERVICE_BIN) ]; then \
		install -D -m 0755 $(SWIFT_BIN_DIR)/$(SWIFT_SERVICE_BIN) $(DESTDIR)$(LIBEXECDIR)/sstp/sstp-service; \
	else echo "install: $(SWIFT_BIN_DIR)/$(SWIFT_SERVICE_BIN) not built yet; skipped"; fi
	@# --- D-Bus files (dbus/): the system bus policy and activation file -------
	@for f in dbus/*.conf; do [ -e "$$f" ] || continue; \
		install -D -m 0644 "$$f" "$(DESTDIR)/usr/share/dbus-1/system.d/$${f#dbus/}"; done
	@for f in dbus/*.service; do [ -e "$$f" ] || continue; \
		sed 's|/usr/libexec/sstp/|$(LIBEXECDIR)/sstp/|' "$$f" > "$$f.tmp" && \
		install -D -m 0644 "$$f.tmp" "$(DESTDIR)/usr/share/dbus-1/system-services/$${f#dbus/}" && rm -f "$$f.tmp"; done
	@for f in dbus/*.xml; do [ -e "$$f" ] || continue; \
		install -D -m 0644 "$$f" "$(DESTDIR)/usr/share/dbus-1/interfaces/$${f#dbus/}"; done

clean:
	rm -rf $(BUILD_DIR) .build-fuzz
	$(MAKE) -C nm-plugin clean
	$(MAKE) -C nm-plugin/pppd clean
