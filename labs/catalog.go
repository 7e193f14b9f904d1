package labs

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// readmes holds every lab's README, so `skiff lab show` works from anywhere.
//
//go:embed [0-9][0-9]-*/README.md
var readmes embed.FS

// Lab is one numbered lab: a folder NN-slug with a README.md.
type Lab struct {
	Number int
	Slug   string // the folder name, e.g. "02-cgroups"
	Title  string // from the README's first heading
	README string
}

// Name is the lab's two-digit number, as learners type and see it.
func (l Lab) Name() string { return fmt.Sprintf("%02d", l.Number) }

// All returns the embedded labs in order.
func All() ([]Lab, error) {
	dirs, err := fs.Glob(readmes, "[0-9][0-9]-*")
	if err != nil {
		return nil, fmt.Errorf("list labs: %w", err)
	}
	var labs []Lab
	for _, d := range dirs {
		b, err := readmes.ReadFile(path.Join(d, "README.md"))
		if err != nil {
			return nil, fmt.Errorf("read lab %s: %w", d, err)
		}
		n, _ := strconv.Atoi(d[:2])
		labs = append(labs, Lab{Number: n, Slug: d, Title: title(string(b)), README: string(b)})
	}
	sort.Slice(labs, func(i, j int) bool { return labs[i].Number < labs[j].Number })
	return labs, nil
}

// title is the text of the first "# " heading without its "Lab NN:" prefix.
func title(readme string) string {
	for _, line := range strings.Split(readme, "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			if _, rest, found := strings.Cut(t, ": "); found && strings.HasPrefix(t, "Lab ") {
				return rest
			}
			return t
		}
	}
	return ""
}

// Find resolves what a learner typed: "2", "02" or "02-cgroups".
func Find(arg string) (Lab, error) {
	labs, err := All()
	if err != nil {
		return Lab{}, err
	}
	num, _, _ := strings.Cut(arg, "-")
	n, err := strconv.Atoi(num)
	if err == nil {
		for _, l := range labs {
			if l.Number == n {
				return l, nil
			}
		}
	}
	return Lab{}, fmt.Errorf("lab %q: %w (the labs are %s-%s; see skiff lab list)",
		arg, ErrNoSuchLab, labs[0].Name(), labs[len(labs)-1].Name())
}
