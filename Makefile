# On a fresh Debian 12 machine (root, apt works) `make demo` and `make test`
# are the whole set-up: missing system packages are installed with apt-get.

SWIFT      ?= swift
BUILD_DIR  ?= .build
SWIFT_FLAGS = --scratch-path $(BUILD_DIR)
FUZZ_SECONDS ?= 60

# System packages the build and the tests use.
APT_PACKAGES = libssl-dev openssl libdbus-1-dev libglib2.0-dev pkg-config \
	iproute2 iputils-ping python3 ca-certificates tinyproxy \
	dbus dbus-bin systemd libglib2.0-bin \
	user-mode-linux kmod ppp sstp-client

.PHONY: all build test fuzz demo deps lint clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "run as root (or install:$$missing)"; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# One build of the package and its tests, reused by every later step.
build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests

test: build
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build
	SSTP_BUILD_DIR=$(BUILD_DIR)/debug python3 -m unittest discover -s Tests/e2e -p 'test_*.py' -v

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

demo: build
	SSTP_BUILD_DIR=$(BUILD_DIR)/debug python3 Tests/e2e/demo.py

lint:
	$(SWIFT) format lint -r Sources Tests Fuzz/Sources Package.swift

clean:
	rm -rf $(BUILD_DIR) .build-fuzz
