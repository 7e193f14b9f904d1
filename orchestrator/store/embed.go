package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
)

// Config says which etcd to use.
type Config struct {
	// Servers are the client URLs of an external etcd cluster. Empty means
	// start etcd inside this process.
	Servers []string
	// DataDir holds embedded etcd's data (e.g. /var/lib/skiff/etcd).
	DataDir string
	// ClientURL and PeerURL are where embedded etcd listens (defaults
	// http://127.0.0.1:2379 and :2380), so etcdctl can inspect it.
	ClientURL, PeerURL string
	// WatchProgressNotifyInterval makes embedded etcd send progress
	// notifications this often (bookmarks); 0 keeps etcd's default.
	WatchProgressNotifyInterval time.Duration
	// Log receives embedded etcd's errors (nil: discarded).
	Log *slog.Logger
}

// Open connects to the configured etcd, starting it first if embedded.
func Open(ctx context.Context, c Config) (*Store, error) {
	if len(c.Servers) > 0 {
		return openExternal(ctx, c)
	}
	return openEmbedded(ctx, c)
}

func openExternal(ctx context.Context, c Config) (*Store, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Servers, DialTimeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %v: %w", c.Servers, err)
	}
	s := New(cli)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.Revision(sctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("connect to etcd %v: %w", c.Servers, err)
	}
	return s, nil
}

func openEmbedded(ctx context.Context, c Config) (*Store, error) {
	cfg, err := embedConfig(c)
	if err != nil {
		return nil, err
	}
	e, err := startEtcd(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", c.DataDir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %s: %w", c.DataDir, err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %s: not ready after 60s", c.DataDir)
	case <-ctx.Done():
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %s: %w", c.DataDir, ctx.Err())
	}
	cli := v3client.New(e.Server)
	s := New(cli)
	s.closer = func() error {
		err := cli.Close()
		e.Close()
		return err
	}
	return s, nil
}

// embedConfig is the embedded etcd configuration: one member, listening
// on loopback, quiet logs.
func embedConfig(c Config) (*embed.Config, error) {
	if c.DataDir == "" {
		return nil, errors.New("embedded etcd: DataDir is empty: set a data directory")
	}
	cfg := embed.NewConfig()
	cfg.Dir = c.DataDir
	cfg.Name = "skiff"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(etcdLogger(c.Log))
	client, peer := orDefault(c.ClientURL, "http://127.0.0.1:2379"), orDefault(c.PeerURL, "http://127.0.0.1:2380")
	cu, err := url.Parse(client)
	if err != nil {
		return nil, fmt.Errorf("etcd client url %q: %w", client, err)
	}
	pu, err := url.Parse(peer)
	if err != nil {
		return nil, fmt.Errorf("etcd peer url %q: %w", peer, err)
	}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	if c.WatchProgressNotifyInterval > 0 {
		cfg.WatchProgressNotifyInterval = c.WatchProgressNotifyInterval
	}
	return cfg, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// startEtcd starts etcd, giving up when ctx ends or after a minute: etcd
// blocks on the lock of its database while another process (an earlier
// skiff apiserver) holds the same data directory.
func startEtcd(ctx context.Context, cfg *embed.Config) (*embed.Etcd, error) {
	type result struct {
		e   *embed.Etcd
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := embed.StartEtcd(cfg)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		return r.e, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Minute):
		return nil, errors.New("not started after a minute: is another process using this data directory?")
	}
}
