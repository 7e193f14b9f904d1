package ipam

import "errors"

// ErrExhausted is returned when every address of the pool is leased.
var ErrExhausted = errors.New("no free address left")

// ErrBadSubnet is returned for a subnet the pool cannot use.
var ErrBadSubnet = errors.New("bad subnet")
