package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// adminClient talks to a running ariflow's admin API: ARIFLOW_ADMIN_URL (default
// http://127.0.0.1:5001) with the bearer token ARIFLOW_ADMIN_TOKEN.
type adminClient struct {
	base, token string
	json        bool
	out, errw   io.Writer
	http        *http.Client
}

// adminCommand parses the common flags of the admin subcommands; rest are the arguments.
func adminCommand(name string, args []string, stdout, stderr io.Writer) (*adminClient, []string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("ARIFLOW_ADMIN_URL", "http://127.0.0.1:5001"), "the admin API")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, false
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	token := os.Getenv("ARIFLOW_ADMIN_TOKEN")
	if token == "" {
		fmt.Fprintf(stderr, "ariflow %s: set ARIFLOW_ADMIN_TOKEN to the admin token\n", name)
		return nil, nil, false
	}
	return &adminClient{base: strings.TrimSuffix(*base, "/"), token: token, json: *asJSON, out: stdout, errw: stderr,
		http: &http.Client{Timeout: 30 * time.Second}}, rest, true
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// call sends a request and decodes the JSON answer into v; with --json it prints it too.
// It returns the exit code: 0, or 1 with the API's reason printed.
func (c *adminClient) call(method, path string, body any, v any) int {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		fmt.Fprintln(c.errw, "ariflow:", err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		fmt.Fprintln(c.errw, "ariflow: is ariflow serve running with an admin section?", err)
		return 1
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e struct {
			Error, Field string
			Problems     []struct{ Text string } // a refused routing file: one "file:line: what is wrong" each
		}
		_ = json.Unmarshal(data, &e)
		if e.Error == "" && len(e.Problems) > 0 {
			for _, p := range e.Problems {
				fmt.Fprintln(c.errw, cell(p.Text))
			}
			e.Error = "refused"
		}
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		if e.Field != "" {
			e.Error = e.Field + ": " + e.Error
		}
		fmt.Fprintf(c.errw, "ariflow: %s (%s)\n", cell(e.Error), cell(resp.Status))
		if c.json {
			c.out.Write(safeJSON(data))
		}
		return 1
	}
	if c.json {
		c.out.Write(safeJSON(data))
		return 0
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			fmt.Fprintln(c.errw, "ariflow: unexpected answer:", cell(err.Error()))
			return 1
		}
	}
	return 0
}

// table prints rows aligned under a header; every cell goes through cell.
func (c *adminClient) table(header string, rows [][]string) {
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, v := range r {
			safe[i] = cell(v)
		}
		fmt.Fprintln(tw, strings.Join(safe, "\t"))
	}
	tw.Flush()
}

// cell makes a value from the API safe to print in a terminal. Caller numbers and names
// come from the network: a control character (C0, DEL, C1) becomes its Go escape (\x1b,
// \r, \u009b) and an invalid UTF-8 byte \xNN, so no value can move the cursor, clear the
// screen, set the window title, break a table's columns or fake a row. Other text,
// accents and spaces included, is unchanged.
func cell(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// safeJSON is the API's answer for --json: valid JSON can hold no raw C0 control, but its
// strings may hold DEL, C1 controls and invalid UTF-8, which become \u escapes (U+FFFD for
// invalid bytes, as a JSON decoder reads them), so the JSON means the same and is safe on a
// terminal. Anything else is not JSON and is printed as one cell.
func safeJSON(data []byte) []byte {
	if !json.Valid(data) {
		return []byte(cell(strings.TrimSpace(string(data))) + "\n")
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r >= 0x7f && r <= 0x9f: // outside strings valid JSON is ASCII without DEL
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	return out
}

func usageErr(stderr io.Writer, msg string) int {
	fmt.Fprintln(stderr, "ariflow:", msg)
	return 2
}

// adminCLI runs one admin subcommand.
func adminCLI(name string, args []string, stdout, stderr io.Writer) int {
	c, rest, ok := adminCommand(name, args, stdout, stderr)
	if !ok {
		return 2
	}
	switch name {
	case "calls":
		var l callsAnswer
		if code := c.call("GET", "/api/calls", nil, &l); code != 0 || c.json {
			return code
		}
		rows := [][]string{}
		for _, x := range l.Calls {
			rows = append(rows, []string{x.Channel, x.Caller, x.Exten, x.State, fmt.Sprintf("%ds", x.Seconds), x.Recording})
		}
		c.table("CHANNEL\tCALLER\tEXTEN\tSTATE\tDURATION\tRECORDING", rows)
		return 0
	case "originate":
		if len(rest) != 2 {
			return usageErr(stderr, "usage: ariflow originate ENDPOINT EXTEN   (e.g. PJSIP/2000 1000)")
		}
		var o struct{ Channel string }
		code := c.call("POST", "/api/calls/originate", map[string]any{"endpoint": rest[0], "exten": rest[1]}, &o)
		if code == 0 && !c.json {
			fmt.Fprintf(c.out, "ringing %s; when answered it goes to %s (channel %s)\n", cell(rest[0]), cell(rest[1]), cell(o.Channel))
		}
		return code
	case "invite":
		if len(rest) != 2 {
			return usageErr(stderr, "usage: ariflow invite ROOM ENDPOINT   (e.g. Salle_2 PJSIP/2000)")
		}
		var o struct{ Channel string }
		code := c.call("POST", "/api/rooms/"+url.PathEscape(rest[0])+"/invite", map[string]any{"endpoint": rest[1]}, &o)
		if code == 0 && !c.json {
			fmt.Fprintf(c.out, "ringing %s; when answered it joins room %s (channel %s)\n", cell(rest[1]), cell(rest[0]), cell(o.Channel))
		}
		return code
	case "redirect":
		if len(rest) != 2 {
			return usageErr(stderr, "usage: ariflow redirect CHANNEL EXTEN")
		}
		return c.done(c.call("POST", "/api/calls/"+url.PathEscape(rest[0])+"/redirect", map[string]any{"exten": rest[1]}, nil), "redirected")
	case "hangup":
		if len(rest) != 1 {
			return usageErr(stderr, "usage: ariflow hangup CHANNEL")
		}
		return c.done(c.call("DELETE", "/api/calls/"+url.PathEscape(rest[0]), nil, nil), "hung up")
	case "recordings":
		var l recordingsAnswer
		q := url.Values{}
		if len(rest) > 0 {
			q.Set("exten", rest[0])
		}
		if code := c.call("GET", "/api/recordings?"+q.Encode(), nil, &l); code != 0 || c.json {
			return code
		}
		rows := [][]string{}
		for _, r := range l.Recordings {
			rows = append(rows, []string{r.Start.Local().Format("2006-01-02 15:04:05"), r.Name + "." + r.Format, r.Caller, r.Callee, fmt.Sprintf("%.0fs", r.Duration), fmt.Sprint(r.Size)})
		}
		c.table("START\tNAME\tCALLER\tCALLEE\tDURATION\tBYTES", rows)
		return 0
	case "absence":
		return c.absence(rest, stderr)
	case "queue":
		return c.queues(rest)
	case "rooms":
		return c.rooms(rest)
	case "create-room":
		return c.createRoom(rest, stderr)
	case "restart":
		if len(rest) != 0 {
			return usageErr(stderr, "usage: ariflow restart")
		}
		return c.done(c.call("POST", "/api/restart", nil, nil),
			"restarting: no new calls, calls in progress may finish, then the service manager starts ariflow again")
	case "reload":
		var p struct {
			Summary       string
			Problems      []struct{ Text string }
			RestartNeeded []string `json:"restart_needed"`
		}
		code := c.call("POST", "/api/routing/reload", nil, &p)
		if !c.json && code == 0 {
			fmt.Fprintln(c.out, "reloaded:", cell(p.Summary))
			if len(p.RestartNeeded) > 0 {
				fmt.Fprintln(c.out, "changed, applied at the next restart:", cell(strings.Join(p.RestartNeeded, ", ")))
			}
		}
		return code
	}
	return usageErr(stderr, "unknown command "+name)
}

// createRoom creates a conference room at run time (the seed's "create a conference"):
// NAME [MAX_MEMBERS [PIN [ADMIN_PIN]]].
func (c *adminClient) createRoom(rest []string, stderr io.Writer) int {
	const use = "usage: ariflow create-room NAME [MAX_MEMBERS [PIN [ADMIN_PIN]]]   (e.g. Salle_2 5 1234 9999)"
	if len(rest) < 1 || len(rest) > 4 {
		return usageErr(stderr, use)
	}
	req := map[string]any{"name": rest[0]}
	if len(rest) > 1 {
		n, err := strconv.Atoi(rest[1])
		if err != nil {
			return usageErr(stderr, "MAX_MEMBERS is a number; "+use)
		}
		req["max_members"] = n
	}
	for i, key := range []string{"pin", "admin_pin"} {
		if len(rest) > 2+i {
			req[key] = rest[2+i]
		}
	}
	return c.done(c.call("POST", "/api/rooms", req, nil),
		"room "+cell(rest[0])+" created: invite phones into it with ariflow invite "+cell(rest[0])+" ENDPOINT")
}

func (c *adminClient) done(code int, what string) int {
	if code == 0 && !c.json {
		fmt.Fprintln(c.out, what)
	}
	return code
}

func (c *adminClient) absence(rest []string, stderr io.Writer) int {
	type info struct {
		Exten, By string
		On        bool
		Until     time.Time
	}
	if len(rest) == 0 {
		var l struct{ Absence []info }
		if code := c.call("GET", "/api/absence", nil, &l); code != 0 || c.json {
			return code
		}
		rows := [][]string{}
		for _, a := range l.Absence {
			state := "present"
			if a.On {
				state = "absent"
			}
			until := ""
			if !a.Until.IsZero() {
				until = a.Until.Local().Format("2006-01-02 15:04")
			}
			rows = append(rows, []string{a.Exten, state, a.By, until})
		}
		c.table("EXTEN\tSTATE\tSET BY\tUNTIL", rows)
		return 0
	}
	if len(rest) != 2 || (rest[1] != "on" && rest[1] != "off") {
		return usageErr(stderr, "usage: ariflow absence [EXTEN on|off]")
	}
	return c.done(c.call("PUT", "/api/absence/"+url.PathEscape(rest[0]), map[string]any{"on": rest[1] == "on"}, nil), "absence "+rest[1]+" for "+cell(rest[0]))
}

// queues prints each queue (or the one named): its waiting callers and its members.
func (c *adminClient) queues(rest []string) int {
	var l struct {
		Queues []queueAnswer
	}
	if len(rest) > 0 {
		var q queueAnswer
		if code := c.call("GET", "/api/queues/"+url.PathEscape(rest[0]), nil, &q); code != 0 || c.json {
			return code
		}
		l.Queues = append(l.Queues, q)
	} else if code := c.call("GET", "/api/queues", nil, &l); code != 0 || c.json {
		return code
	}
	for i, q := range l.Queues {
		if i > 0 {
			fmt.Fprintln(c.out)
		}
		fmt.Fprintf(c.out, "%s: %d waiting\n", cell(q.Name), len(q.Callers))
		rows := [][]string{}
		for _, w := range q.Callers {
			rows = append(rows, []string{"caller", fmt.Sprint(w.Position), w.Caller, fmt.Sprintf("%.0fs", w.Wait)})
		}
		for _, m := range q.Members {
			rows = append(rows, []string{"member", m.Status, m.Endpoint, fmt.Sprintf("%d calls", m.Calls)})
		}
		c.table("\tPOSITION/STATUS\tWHO\tWAIT/CALLS", rows)
	}
	return 0
}

// rooms prints each conference room (or the one named) and who is in it.
func (c *adminClient) rooms(rest []string) int {
	var l struct{ Rooms []roomAnswer }
	if len(rest) > 0 {
		var r roomAnswer
		if code := c.call("GET", "/api/rooms/"+url.PathEscape(rest[0]), nil, &r); code != 0 || c.json {
			return code
		}
		l.Rooms = append(l.Rooms, r)
	} else if code := c.call("GET", "/api/rooms", nil, &l); code != 0 || c.json {
		return code
	}
	rows := [][]string{}
	for _, r := range l.Rooms {
		state := fmt.Sprintf("%d/%d", len(r.Members), r.MaxMembers)
		if r.Locked {
			state += " locked"
		}
		if r.AllMuted {
			state += " all-muted"
		}
		rows = append(rows, []string{r.Name, state, "", "", ""})
		for _, m := range r.Members {
			flags := ""
			if m.Muted {
				flags += "muted "
			}
			if m.Admin {
				flags += "admin"
			}
			rows = append(rows, []string{"", m.Channel, m.Caller, m.Joined.Local().Format("15:04:05"), flags})
		}
	}
	c.table("ROOM\tMEMBERS/CHANNEL\tCALLER\tJOINED\tFLAGS", rows)
	return 0
}

type roomAnswer struct {
	Name       string
	MaxMembers int `json:"max_members"`
	Locked     bool
	AllMuted   bool `json:"all_muted"`
	Members    []struct {
		Channel, Caller string
		Joined          time.Time
		Muted, Admin    bool
	}
}

type queueAnswer struct {
	Name    string
	Callers []struct {
		Caller   string
		Position int
		Wait     float64
	}
	Members []struct {
		Endpoint, Status string
		Calls            int
	}
}

type callsAnswer struct {
	Calls []struct {
		Channel, Caller, Exten, State, Recording string
		Seconds                                  int `json:"duration_seconds"`
	}
}

type recordingsAnswer struct {
	Recordings []struct {
		Name, Format, Caller, Callee string
		Size                         int64
		Start                        time.Time
		Duration                     float64 `json:"duration_seconds"`
	}
}
