package labs

import (
	"fmt"
	"strings"
)

// A README's steps are the ```sh blocks of its "## Steps" section, run in
// order in one shell. After each one, between the markers below, sits the
// output that block printed when the lab was last recorded (-update): it is
// generated, never written by hand.
const (
	outputBegin = "<!-- output -->"
	outputEnd   = "<!-- /output -->"
)

// Step is one command block of a lab.
type Step struct {
	Heading string // the "### N. ..." heading above the block
	Code    string // the commands, as typed
}

// Steps extracts the command blocks of the "## Steps" section.
func Steps(readme string) []Step {
	var steps []Step
	var heading string
	inSteps, inCode := false, false
	var code []string
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case inCode && line == "```":
			steps = append(steps, Step{Heading: heading, Code: strings.Join(code, "\n") + "\n"})
			inCode, code = false, nil
		case inCode:
			code = append(code, line)
		case strings.HasPrefix(line, "## "):
			inSteps = strings.TrimSpace(line[3:]) == "Steps"
		case inSteps && strings.HasPrefix(line, "### "):
			heading = strings.TrimSpace(line[4:])
		case inSteps && line == "```sh":
			inCode = true
		}
	}
	return steps
}

// WithOutputs returns the README with the output block after the i-th step
// replaced by outputs[i] (or inserted when missing). It errors when the
// number of outputs does not match the steps, so a half-run lab never
// rewrites a README.
func WithOutputs(readme string, outputs []string) (string, error) {
	if n := len(Steps(readme)); n != len(outputs) {
		return "", fmt.Errorf("record outputs: %d steps but %d outputs", n, len(outputs))
	}
	lines := strings.Split(readme, "\n")
	var out []string
	i, inSteps := 0, false
	for k := 0; k < len(lines); k++ {
		line := lines[k]
		out = append(out, line)
		if strings.HasPrefix(line, "## ") {
			inSteps = strings.TrimSpace(line[3:]) == "Steps"
		}
		if !inSteps || line != "```sh" {
			continue
		}
		for k++; k < len(lines) && lines[k] != "```"; k++ {
			out = append(out, lines[k])
		}
		out = append(out, "```", "", outputBegin, "```text")
		out = append(out, strings.Split(strings.TrimRight(outputs[i], "\n"), "\n")...)
		out = append(out, "```", outputEnd)
		i++
		k = skipOldOutput(lines, k+1) - 1
	}
	return strings.Join(out, "\n"), nil
}

// skipOldOutput returns the index after an existing output block that
// starts (after blank lines) at k, or k when there is none.
func skipOldOutput(lines []string, k int) int {
	j := k
	for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
		j++
	}
	if j >= len(lines) || lines[j] != outputBegin {
		return k
	}
	for ; j < len(lines); j++ {
		if lines[j] == outputEnd {
			return j + 1
		}
	}
	return k
}

// cleanOutput makes a recorded output readable: no trailing blanks, and a
// note instead of nothing.
func cleanOutput(s string) string {
	s = strings.TrimRight(s, "\n ")
	if s == "" {
		return "(no output)"
	}
	return s
}
