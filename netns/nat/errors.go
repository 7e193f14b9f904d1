package nat

import "errors"

// ErrBadPort is returned for a -p value that does not parse.
var ErrBadPort = errors.New("bad port mapping")

// ErrPortTaken is returned when a host port is already published.
var ErrPortTaken = errors.New("host port already published")
