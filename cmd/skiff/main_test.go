package main

import (
	"os"
	"testing"

	"github.com/skiffrun/skiff/internal/testutil"
)

// TestMain nests every test container's cgroup below this test process's
// own cgroup; skiff processes started by the tests inherit the parent
// through SKIFF_CGROUP_PARENT.
func TestMain(m *testing.M) { os.Exit(testutil.RunNested(m, "skiff-test")) }
