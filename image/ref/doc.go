// Package ref parses image references the way Docker does: "busybox" means
// docker.io/library/busybox:latest, "registry:5000/app@sha256:..." pins a
// digest. It wraps go-containerregistry's name package and adds the one
// canonical string form that the store keeps (lab 04; read ref.go).
package ref
