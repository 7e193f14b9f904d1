package cgroups

import (
	"errors"
	"testing"
)

func TestResolveTarget(t *testing.T) {
	tests := []struct {
		path string
		o    Options
		want target
	}{
		{"/machine/c1", Options{}, target{Path: "/machine/c1"}},
		{"/machine//c1/", Options{ID: "x", Parent: "/other"}, target{Path: "/machine/c1"}},
		{"c1", Options{}, target{Path: "c1", Relative: true}},
		{"a/b", Options{}, target{Path: "a/b", Relative: true}},
		{"", Options{ID: "abc"}, target{Path: "/skiff/abc"}},
		{"", Options{ID: "abc", Parent: "/kubepods/pod1"}, target{Path: "/kubepods/pod1/abc"}},
		{"", Options{ID: "abc", Parent: "tests"}, target{Path: "tests/abc", Relative: true}},
		{"", Options{ID: "abc", Parent: "/"}, target{Path: "/abc"}},
	}
	for _, tt := range tests {
		got, err := resolveTarget(tt.path, tt.o)
		if err != nil || got != tt.want {
			t.Errorf("resolveTarget(%q, %+v) = %+v, %v; want %+v", tt.path, tt.o, got, err, tt.want)
		}
	}
}

func TestResolveTargetRejects(t *testing.T) {
	for _, tt := range []struct {
		path string
		o    Options
	}{
		{"system.slice:docker:abc", Options{}},
		{"/a/../b", Options{}},
		{"/", Options{}},
		{"", Options{}},
		{"", Options{ID: "a/b"}},
		{"", Options{ID: ".."}},
		{"", Options{ID: "x", Parent: "../up"}},
	} {
		if got, err := resolveTarget(tt.path, tt.o); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("resolveTarget(%q, %+v) = %+v, %v; want ErrInvalidPath", tt.path, tt.o, got, err)
		}
	}
}

func TestTargetIn(t *testing.T) {
	if got := (target{Path: "c", Relative: true}).in("/process_api/aa"); got != "/process_api/aa/c" {
		t.Error(got)
	}
	if got := (target{Path: "c", Relative: true}).in(""); got != "/c" {
		t.Error(got)
	}
	if got := (target{Path: "/x/c"}).in("/process_api/aa"); got != "/x/c" {
		t.Error(got)
	}
}
