package cgroups

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseSize reads a Docker-style size, as `skiff run --memory` and
// `skiff-runc update --memory` take it: a number with an optional b, k, m
// or g suffix (powers of 1024).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'b':
			t = t[:n-1]
		case 'k':
			mult, t = 1<<10, t[:n-1]
		case 'm':
			mult, t = 1<<20, t[:n-1]
		case 'g':
			mult, t = 1<<30, t[:n-1]
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want a number with an optional b, k, m or g suffix", s)
	}
	return v * mult, nil
}
