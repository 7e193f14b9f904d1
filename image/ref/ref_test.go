package ref

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"busybox":                        "docker.io/library/busybox:latest",
		"busybox:1.36":                   "docker.io/library/busybox:1.36",
		"docker.io/library/busybox":      "docker.io/library/busybox:latest",
		"index.docker.io/library/alpine": "docker.io/library/alpine:latest",
		"user/app:v1":                    "docker.io/user/app:v1",
		"localhost:5000/app":             "localhost:5000/app:latest",
		"127.0.0.1:5000/a/b:t":           "127.0.0.1:5000/a/b:t",
		"quay.io/x/y@sha256:" + hex64:    "quay.io/x/y@sha256:" + hex64,
	}
	for in, want := range cases {
		got, err := Normalize(in)
		if err != nil {
			t.Errorf("Normalize(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseInvalid(t *testing.T) {
	for _, in := range []string{"", "busybox:", "BusyBox", "a@sha256:12", "x y", "busybox@", "a:b:c"} {
		if _, err := Parse(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", in, err)
		}
	}
}

func TestInsecure(t *testing.T) {
	r, err := Parse("myreg:5000/app", "myreg:5000")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Context().Scheme(); got != "http" {
		t.Errorf("scheme of --insecure-registry = %q, want http", got)
	}
	r, _ = Parse("myreg.example:5000/app")
	if got := r.Context().Scheme(); got != "https" {
		t.Errorf("scheme of a normal registry = %q, want https", got)
	}
	r, _ = Parse("localhost:5000/app")
	if got := r.Context().Scheme(); got != "http" {
		t.Errorf("scheme of localhost = %q, want http", got)
	}
}

func TestShort(t *testing.T) {
	if got := Short("docker.io/library/busybox:latest"); got != "busybox:latest" {
		t.Errorf("Short = %q", got)
	}
	if got := Short("docker.io/user/app:v1"); got != "user/app:v1" {
		t.Errorf("Short = %q", got)
	}
	if got := Short("localhost:5000/app:v1"); got != "localhost:5000/app:v1" {
		t.Errorf("Short = %q", got)
	}
}
