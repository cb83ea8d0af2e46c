package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a routing file, at a line of it.
type Problem struct {
	File string // the name given to Load or Parse
	Line int    // 1-based line of the offending key or value
	Msg  string // what is wrong, e.g. `queue "sales": member_timeout must be > 0`
}

// String formats the problem as `file:line: what is wrong`.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Problems is every problem found in a routing file, sorted by line.
// Parse and Load return it as their error; use errors.As to get it back.
type Problems []Problem

// Error joins the problems, one `file:line: what is wrong` per line.
func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// sortByLine orders problems by line, keeping discovery order within a line.
func (ps Problems) sortByLine() {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}
