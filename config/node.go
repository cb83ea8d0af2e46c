package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks the YAML node tree once, filling a File and collecting every problem.
type decoder struct {
	file  string
	shaky map[string]bool // menus with problems, skipped by checkMenuExits
	f     *File
	probs Problems
	refs  []ref
}

// pair is one key/value of a mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// line is the line of the pair's value (or of its key when the value has none).
func (p pair) line() int {
	if p.v != nil && p.v.Line > 0 {
		return p.v.Line
	}
	return p.k.Line
}

// add records a problem; where ("queue \"sales\"") prefixes the message when not empty.
func (d *decoder) add(line int, where, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where != "" {
		msg = where + ": " + msg
	}
	if line < 1 {
		line = 1
	}
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Msg: msg})
}

// bad records a problem about the pair's value: "where: key <msg>".
func (d *decoder) bad(where string, p pair, format string, args ...any) {
	d.add(p.line(), where, p.key+" "+format, args...)
}

// unknown records an unknown key.
func (d *decoder) unknown(where string, p pair) {
	d.add(p.k.Line, where, "unknown key %q", p.key)
}

// describe names a node's kind for "must be a ..., not ..." messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.ShortTag() == "!!null" {
		return "empty"
	}
	return strconv.Quote(n.Value)
}

// fields returns the pairs of a mapping node, refusing other kinds, aliases and duplicate
// keys. A null value counts as an empty mapping.
func (d *decoder) fields(n *yaml.Node, where, what string) []pair {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.add(n.Line, where, "%s must be a mapping, not %s", what, describe(n))
		return nil
	}
	ps := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.add(k.Line, where, "keys must be plain strings, not %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.add(k.Line, where, "key %q is repeated (first at line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		if v.Kind == yaml.AliasNode {
			d.add(v.Line, where, "%s: aliases (*%s) are not supported; write the value out", k.Value, v.Value)
			continue
		}
		ps = append(ps, pair{key: k.Value, k: k, v: v})
	}
	return ps
}

// mapOrNull reports whether n is a mapping or empty: the shapes fields accepts.
func mapOrNull(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// scalar returns a non-empty scalar's text, or false after recording a problem.
func (d *decoder) scalar(where string, p pair, kind string) (string, bool) {
	switch {
	case p.v.Kind != yaml.ScalarNode:
		d.bad(where, p, "must be %s, not %s", kind, describe(p.v))
	case p.v.ShortTag() == "!!null" || p.v.Value == "":
		d.bad(where, p, "needs a value")
	default:
		return p.v.Value, true
	}
	return "", false
}

// str decodes a string.
func (d *decoder) str(where string, p pair) string {
	s, _ := d.scalar(where, p, "a string")
	return s
}

// boolean decodes true or false.
func (d *decoder) boolean(where string, p pair, dst *bool) {
	s, ok := d.scalar(where, p, "true or false")
	if !ok {
		return
	}
	b, err := strconv.ParseBool(s)
	if p.v.ShortTag() != "!!bool" || err != nil {
		d.bad(where, p, "must be true or false, not %q", s)
		return
	}
	*dst = b
}

// integer decodes a whole number no smaller than min.
func (d *decoder) integer(where string, p pair, min int, dst *int) {
	s, ok := d.scalar(where, p, "a whole number")
	if !ok {
		return
	}
	i, err := strconv.Atoi(s)
	switch {
	case p.v.ShortTag() != "!!int" || err != nil:
		d.bad(where, p, "must be a whole number, not %q", s)
	case i < min && min == 1:
		d.bad(where, p, "must be > 0")
	case i < min:
		d.bad(where, p, "must be >= %d", min)
	default:
		*dst = i
	}
}

// duration decodes a Go duration ("15s", "500ms"); positive asks for > 0, else >= 0.
func (d *decoder) duration(where string, p pair, positive bool, dst *time.Duration) {
	s, ok := d.scalar(where, p, "a duration")
	if !ok {
		return
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil && p.v.ShortTag() == "!!int":
		d.bad(where, p, "%s needs a unit, e.g. \"%ss\"", s, s)
	case err != nil:
		d.bad(where, p, "%q is not a duration (e.g. \"15s\", \"500ms\")", s)
	case positive && v <= 0:
		d.bad(where, p, "must be > 0")
	case v < 0:
		d.bad(where, p, "must not be negative")
	default:
		*dst = v
	}
}

// oneOf decodes a string that must be one of the allowed values.
func (d *decoder) oneOf(where string, p pair, allowed []string, dst *string) {
	s, ok := d.scalar(where, p, "a string")
	if !ok {
		return
	}
	for _, a := range allowed {
		if s == a {
			*dst = s
			return
		}
	}
	d.bad(where, p, "must be one of %s, not %q", strings.Join(allowed, ", "), s)
}

// item is one scalar of a list, with its line.
type item struct {
	val  string
	line int
}

// strings decodes a list of non-empty strings; one plain string is refused.
func (d *decoder) strings(where string, p pair) []item {
	if p.v.Kind != yaml.SequenceNode {
		d.bad(where, p, "must be a list, not %s", describe(p.v))
		return nil
	}
	out := make([]item, 0, len(p.v.Content))
	for i, n := range p.v.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || n.Value == "" {
			d.add(n.Line, where, "%s[%d] must be a string, not %s", p.key, i, describe(n))
			continue
		}
		out = append(out, item{n.Value, n.Line})
	}
	return out
}

// values returns the strings of items.
func values(items []item) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.val
	}
	return out
}
