// Package spec reads, checks and writes the OCI runtime configuration
// (config.json) of a bundle, using the runtime-spec's own Go types.
//
// Lab 07 ("the OCI bundle and lifecycle") introduces it. Read load.go first
// (Load: a bundle's config.json, every relative path made absolute, every
// problem reported with the field that has it), then default.go (what `skiff
// spec` writes, the same shape as `runc spec`).
package spec
