package nat

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePort(t *testing.T) {
	good := map[string]string{
		"8080:80":               "8080:80/tcp",
		"8080:80/udp":           "8080:80/udp",
		"127.0.0.1:8080:80":     "127.0.0.1:8080:80/tcp",
		"0.0.0.0:53:53/udp":     "53:53/udp",
		"192.0.2.1:65535:1/tcp": "192.0.2.1:65535:1/tcp",
	}
	for in, want := range good {
		m, err := ParsePort(in)
		if err != nil || m.String() != want {
			t.Errorf("ParsePort(%q) = %v, %v; want %s", in, m, err, want)
		}
	}
	bad := map[string]string{
		"80":            "host port and a container port",
		"8080:80/sctp":  "protocol",
		"x:8080:80":     "host IP",
		"::1:8080:80":   "need a host port",
		"0:80":          "host port",
		"8080:70000":    "container port",
		"8080:":         "container port",
		"1.2.3.4:5:6:7": "need a host port",
		"fe80::1:80:80": "need a host port",
	}
	for in, want := range bad {
		_, err := ParsePort(in)
		if !errors.Is(err, ErrBadPort) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "HOSTPORT") {
			t.Errorf("ParsePort(%q) = %v; want ErrBadPort about %q", in, err, want)
		}
	}
}

func TestCheckFree(t *testing.T) {
	p := func(s string) PortMapping {
		m, err := ParsePort(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	published := map[string][]PortMapping{"web": {p("127.0.0.1:8080:80")}}
	if err := CheckFree([]PortMapping{p("8080:80/udp"), p("192.0.2.1:8080:80"), p("8081:80")}, published); err != nil {
		t.Fatalf("free ports refused: %v", err)
	}
	err := CheckFree([]PortMapping{p("8080:81")}, published)
	if !errors.Is(err, ErrPortTaken) || !strings.Contains(err.Error(), "web") {
		t.Fatalf("all-address port over a published one: %v", err)
	}
	err = CheckFree([]PortMapping{p("9000:1"), p("9000:2")}, nil)
	if !errors.Is(err, ErrPortTaken) {
		t.Fatalf("same port twice in one request: %v", err)
	}
}
