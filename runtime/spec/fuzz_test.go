package spec

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse feeds config.json documents to Parse: it must never panic, a
// refusal must be an ErrInvalid that says what is wrong, and an accepted
// config must survive a round trip (encode, parse again) unchanged in
// validity. Run longer with: go test -fuzz FuzzParse ./runtime/spec/
func FuzzParse(f *testing.F) {
	good, err := json.Marshal(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"ociVersion": "1.0.2"}`,
		`{"ociVersion": "2.0.0", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}}`,
		`{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "relative"}}`,
		`{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}, "mounts": [{"destination": "relative"}]}`,
		`{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOPE"}]}}`,
		`{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}, "linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}]}}`,
		`{"ociVersion": "1.0.2", "process": {"args": 5}}`,
		`{"ociVersion": "1.0.2", "linux": {"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 4294967295}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || len(err.Error()) <= len(ErrInvalid.Error())+2 {
				t.Fatalf("refusal %q is not an ErrInvalid with a reason", err)
			}
			return
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted config does not encode: %v", err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("an accepted config is refused after a round trip: %v\n%s", err, again)
		}
	})
}
