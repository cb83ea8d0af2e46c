package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ariflow/ariflow/internal/labtest"
)

// proc is one SIPp run in the background (labtest's), with its label.
type proc struct {
	*labtest.Proc
	name string
}

// sippRun describes a SIPp run: a caller (number set) or a phone (phone set).
type sippRun struct {
	scenario string            // a file in the scenario directory, or a path
	number   string            // a caller: the number dialed
	from     string            // a caller: its number
	phone    string            // a phone of the lab: SIPp listens at its port
	vars     map[string]string // -set name value
	timeout  time.Duration     // default 40 s; SIPp is killed 5 s later
	extra    []string
}

// start runs SIPp for one call, logging into a directory of the scenario's. A SIPp that
// cannot start fails the scene and comes back as nil.
func (s *scene) start(r sippRun) *proc {
	e := s.e
	scen := r.scenario
	if !strings.ContainsRune(scen, os.PathSeparator) {
		scen = filepath.Join(e.cfg.Scenarios, scen)
	}
	if r.timeout == 0 {
		r.timeout = 40 * time.Second
	}
	inv := labtest.Invocation{Scenario: scen, IP: e.cfg.LocalIP, Timeout: r.timeout, MessageLog: true,
		Service: r.phone, Vars: map[string]string{}, Extra: r.extra}
	for k, v := range r.vars {
		inv.Vars[k] = v
	}
	label := strings.TrimSuffix(filepath.Base(scen), ".xml")
	if r.phone != "" {
		inv.SIPPort, inv.MediaPort = labtest.Phones[r.phone], labtest.PhoneMediaPort(r.phone)
		label += "-phone" + r.phone
	} else {
		inv.SIPPort, inv.MediaPort = e.freePort(false), e.freePort(true)
		inv.Vars["from"], inv.Service, inv.Target = r.from, r.number, e.cfg.SIPAddr
		label += "-" + r.number + "-from" + r.from
	}
	s.seq++
	inv.LogDir = filepath.Join(s.dir, fmt.Sprintf("%02d-%s", s.seq, strings.NewReplacer("*", "star", "#", "hash").Replace(label)))
	if err := os.MkdirAll(inv.LogDir, 0o755); err != nil {
		s.failf("%v", err)
		panic(err)
	}
	p, err := inv.Start(e.cfg.SIPp, label)
	if err != nil {
		s.failf("SIPp %s: %v", label, err)
		panic(err)
	}
	pr := &proc{Proc: p, name: label}
	s.procs = append(s.procs, pr)
	return pr
}

// wait waits for SIPp to end and reports whether its call went through the scenario.
func (p *proc) wait() bool { return p.Wait().OK() }

// result is "ok" or what went wrong, for the seen column.
func (p *proc) result() string {
	r := p.Wait()
	switch {
	case r.OK():
		return "ok"
	case r.Killed:
		return "killed (still running)"
	}
	return fmt.Sprintf("failed (sipp exit %d)", r.ExitCode)
}

// phoneSaw describes what a phone's SIPp received.
func phoneSaw(p *proc) string {
	var parts []string
	for _, m := range []string{"INVITE", "CANCEL", "BYE"} {
		if n := p.Received(m); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, m))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// freePort picks a UDP port on the local IP in 21000-29999 that is free now and was not
// handed out before (for media, an even port whose +2 is free too: SIPp binds both).
func (e *env) freePort(media bool) int {
	e.portMu.Lock()
	defer e.portMu.Unlock()
	free := func(p int) bool {
		c, err := net.ListenPacket("udp", net.JoinHostPort(e.cfg.LocalIP, strconv.Itoa(p)))
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	for {
		p := 21000 + rand.IntN(9000)
		if media {
			p &^= 1
		}
		if e.ports[p] || (media && e.ports[p+2]) || !free(p) || (media && !free(p+2)) {
			continue
		}
		e.ports[p] = true
		if media {
			e.ports[p+2] = true
		}
		return p
	}
}
