package labs

import "errors"

var (
	// ErrNoSuchLab: the number names no lab.
	ErrNoSuchLab = errors.New("no such lab")
	// ErrChecksFailed: at least one check of a lab did not pass.
	ErrChecksFailed = errors.New("checks failed")
)
