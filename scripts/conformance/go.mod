// The OCI runtime validation suite that scripts/conformance.sh builds into
// .cache/conformance (this directory holds no Go code: the suite is fetched
// through the Go module proxy, never committed). Pinned to the May 2025
// pseudo-version: later ones have a pids-test bug that fails every runtime.
module skiff.local/conformance

go 1.21

require github.com/opencontainers/runtime-tools v0.9.1-0.20250523060157-0ea5ed0382a2
