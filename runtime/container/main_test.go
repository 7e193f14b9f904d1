package container_test

import (
	"os"
	"testing"

	"github.com/skiffrun/skiff/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.RunNested(m, "skiff-test")) }
