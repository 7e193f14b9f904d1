package container_test

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func jsonMarshal(s *specs.Spec) ([]byte, error) { return json.Marshal(s) }
