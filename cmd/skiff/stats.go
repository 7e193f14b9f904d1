//go:build !skiff_runc

package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/container"
)

func init() { register(newStatsCmd) }

func newStatsCmd(opts *globalOptions) *cobra.Command {
	var noStream bool
	cmd := &cobra.Command{
		Use:   "stats [--no-stream] [ID...]",
		Short: "Show containers' CPU, memory and process use, refreshing like docker stats",
		RunE: func(cmd *cobra.Command, args []string) error {
			rt := opts.runtime()
			// A first sample half a second earlier gives even the first
			// table (and --no-stream) a current CPU %.
			ids, err := statsTargets(opts.root, args)
			if err != nil {
				return err
			}
			prev := takeSamples(rt, ids)
			time.Sleep(500 * time.Millisecond)
			for {
				ids, err := statsTargets(opts.root, args)
				if err != nil {
					return err
				}
				cur := takeSamples(rt, ids)
				if !noStream {
					fmt.Fprint(cmd.OutOrStdout(), "\033[H\033[2J") // clear the terminal, as docker stats does
				}
				printStats(cmd.OutOrStdout(), ids, prev, cur)
				if noStream {
					return nil
				}
				prev = cur
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(time.Second):
				}
			}
		},
	}
	cmd.Flags().BoolVar(&noStream, "no-stream", false, "print one table and exit")
	return cmd
}

type sample struct {
	at    time.Time
	stats *cgroups.Stats
}

// statsTargets is the given ids, or every running container.
func statsTargets(root string, ids []string) ([]string, error) {
	if len(ids) > 0 {
		return ids, nil
	}
	states, err := container.List(root)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if st.Status() == container.Running {
			ids = append(ids, st.ID)
		}
	}
	return ids, nil
}

func takeSamples(rt *container.Runtime, ids []string) map[string]sample {
	out := map[string]sample{}
	for _, id := range ids {
		if s, err := rt.Stats(id); err == nil {
			out[id] = sample{at: time.Now(), stats: s}
		}
	}
	return out
}

// printStats prints one table. CPU % is the usage between two samples
// over the time between them (100% = one CPU).
func printStats(w io.Writer, ids []string, prev, cur map[string]sample) {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER\tCPU %\tMEM USAGE / LIMIT\tMEM %\tPIDS\tOOM KILLS")
	for _, id := range ids {
		c, ok := cur[id]
		if !ok {
			fmt.Fprintf(tw, "%s\t--\t--\t--\t--\t--\n", id)
			continue
		}
		s := c.stats
		cpu := "--"
		if p, ok := prev[id]; ok && c.at.After(p.at) {
			cpu = fmt.Sprintf("%.2f%%", float64(s.CPU.UsageNanos-p.stats.CPU.UsageNanos)/float64(c.at.Sub(p.at).Nanoseconds())*100)
		}
		limit, memPct := "unlimited", "--"
		if s.Memory.Limit > 0 && s.Memory.Limit < 1<<62 {
			limit, memPct = mib(s.Memory.Limit), fmt.Sprintf("%.2f%%", float64(s.Memory.Usage)/float64(s.Memory.Limit)*100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s / %s\t%s\t%d\t%d\n", id, cpu, mib(s.Memory.Usage), limit, memPct, s.Pids.Current, s.Memory.OOMKills)
	}
	tw.Flush()
}

func mib(b uint64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }
