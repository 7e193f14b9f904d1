# skiff build and test entry points. Every target that needs host packages
# installs them itself (apt), so a fresh Debian/Ubuntu machine needs nothing
# but root, Go and this file.
SHELL := /bin/bash
GO ?= go
BIN := bin/skiff
export CGO_ENABLED := 0

# Packages the demo needs: a static busybox for the offline base image.
DEMO_PKGS := busybox-static iproute2 util-linux
# Packages the tests need: the demo's, plus the peers and servers the tests
# start on loopback (runc, a registry, etcd, skopeo, umoci), the engines that
# drive bin/skiff-runc in internal/compat (podman, containerd), and qemu for
# the pure cgroup v2 VM lane.
TEST_PKGS := $(DEMO_PKGS) runc umoci skopeo docker-registry etcd-server qemu-system-x86 iproute2 nftables kmod cpio \
	util-linux procps xz-utils time openssl podman conmon catatonit containerd

.PHONY: all build demo test test-vm deps-demo deps-test bench bench-image bench-net bench-pod bench-apiserver conformance clean

all: build

# bin/skiff-runc is the runc-only build of the same command (tag skiff_runc,
# see cmd/skiff/main.go): what containerd, podman and the OCI suite run.
build:
	$(GO) build -trimpath -ldflags '-s -w' -o $(BIN) ./cmd/skiff
	rm -f bin/skiff-runc
	$(GO) build -trimpath -ldflags '-s -w' -tags skiff_runc -o bin/skiff-runc ./cmd/skiff

# deps-%: install the missing Debian packages of a list (apt-get update only
# when something is missing, so repeated runs stay offline and fast).
deps-demo:
	@./scripts/apt-ensure.sh $(DEMO_PKGS)

deps-test:
	@./scripts/apt-ensure.sh $(TEST_PKGS)

# The main job: build, prepare the busybox image, show a container's isolation.
demo: deps-demo build
	./scripts/demo.sh

# All tests: static checks, unit tests, root tests, labs, and the v2 VM lane.
test: deps-test build
	./scripts/test.sh

test-vm: deps-test build
	./scripts/test-vm.sh

bench: deps-test build
	./scripts/bench.sh

bench-image: deps-test build
	./scripts/bench-image.sh

bench-net: deps-test build
	./scripts/bench-net.sh

bench-apiserver: deps-test build
	$(GO) test -run x -bench 'PodCreate|IdleRSS' -benchtime 1x ./orchestrator/apiserver/

bench-pod: deps-test build
	./scripts/apt-ensure.sh podman netavark
	./scripts/bench-pod.sh

conformance: deps-test build
	./scripts/conformance.sh

clean:
	rm -rf bin
