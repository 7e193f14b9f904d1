package network

import "errors"

var (
	// ErrUnknownNetwork: no network of that name.
	ErrUnknownNetwork = errors.New("no such network")
	// ErrNetworkExists: network create with a name in use.
	ErrNetworkExists = errors.New("network already exists")
	// ErrNetworkInUse: network rm while containers are attached.
	ErrNetworkInUse = errors.New("network has containers attached")
	// ErrBuiltin: the built-in networks cannot be created or removed.
	ErrBuiltin = errors.New("built-in network")
	// ErrSubnetOverlap: a subnet overlapping another network or a host route.
	ErrSubnetOverlap = errors.New("subnet overlaps")
	// ErrInvalid: a field of a request is not acceptable.
	ErrInvalid = errors.New("invalid value")
	// ErrUnknownContainer: container:NAME names no attached container.
	ErrUnknownContainer = errors.New("no such container on any network")
)
