// Package sipp_test checks the lab's SIPp scenarios against SIPp itself, the test playing
// the other side (skipped where sipp is not installed: make lab-up installs it).
package sipp_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBenchPhoneAnswersARetransmittedInvite: Asterisk resends its INVITE to a phone whose
// 100 is late; the bench's phone (bench_uas.xml) must take the resent INVITE as the same
// call, still answer it with its 200 and carry the call to the end, as a phone does, not
// drop it as unexpected.
func TestBenchPhoneAnswersARetransmittedInvite(t *testing.T) {
	phonePort := freeUDPPort(t)
	run := startSIPp(t, "bench_uas.xml", phonePort, false, "-s", "2000")
	conn := run.conn

	phone := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: phonePort}
	local := conn.LocalAddr().String()
	invite := sipRequest("INVITE", local, "z9hG4bK-retrans-1", "1 INVITE", "")
	waitBound(t, phonePort)
	send(t, conn, phone, invite)
	tag := awaitFinal(conn, 5*time.Second)
	if tag == "" {
		t.Fatalf("no 200 to the INVITE; %s", run.said())
	}
	send(t, conn, phone, invite) // the same INVITE again: a retransmission
	if again := awaitFinal(conn, 3*time.Second); again != tag {
		t.Fatalf("the retransmitted INVITE got no 200 with the call's tag %q (got %q); %s", tag, again, run.said())
	}
	send(t, conn, phone, sipRequest("ACK", local, "z9hG4bK-retrans-2", "1 ACK", tag))
	send(t, conn, phone, sipRequest("BYE", local, "z9hG4bK-retrans-3", "2 BYE", tag))
	if code := awaitStatus(conn, "2 BYE", 3*time.Second); code != "200" {
		t.Fatalf("BYE answered %q, want 200; %s", code, run.said())
	}
	run.wait(t)
}

// TestBenchCallerIgnoresASecond200ToItsKey: when the 200 to the caller's INFO (its key)
// is late, SIPp resends the INFO and Asterisk answers both; the second 200, not byte for byte
// the first, comes during the talk. The bench's caller (bench_uac.xml) must ignore it and
// complete the call, as a phone does, not drop it as unexpected.
func TestBenchCallerIgnoresASecond200ToItsKey(t *testing.T) {
	run := startSIPp(t, "bench_uac.xml", freeUDPPort(t), true, "-s", "900",
		"-set", "digits", "1", "-set", "pre_ms", "0", "-set", "hold_ms", "1000")
	conn := run.conn

	const tag = "phone1"
	invite, caller := awaitRequest(t, conn, "INVITE")
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n"
	send(t, conn, caller, response(invite, tag, "", sdp))
	awaitRequest(t, conn, "ACK")
	info, _ := awaitRequest(t, conn, "INFO")
	send(t, conn, caller, response(info, tag, "", ""))
	send(t, conn, caller, response(info, tag, "Server: the answer to the resent INFO\r\n", ""))
	bye, _ := awaitRequest(t, conn, "BYE")
	send(t, conn, caller, response(bye, tag, "", ""))
	run.wait(t)
}

// awaitRequest reads until a request of method comes (10 s at most) and returns it and
// where it came from.
func awaitRequest(t *testing.T, conn net.PacketConn, method string) (string, net.Addr) {
	t.Helper()
	isIt := func(m string) bool { return strings.HasPrefix(m, method+" ") }
	msgs, from := readUntil(conn, 10*time.Second, isIt)
	if len(msgs) == 0 || !isIt(msgs[len(msgs)-1]) {
		t.Fatalf("no %s within 10 s", method)
	}
	return msgs[len(msgs)-1], from
}

// response is a 200 OK to req from the phone tagged tag, with extra headers and body.
func response(req, tag, extra, body string) []byte {
	msg := "SIP/2.0 200 OK\r\n"
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		v := header(req, name)
		if name == "To" && !strings.Contains(v, ";tag=") {
			v += ";tag=" + tag
		}
		msg += name + ": " + v + "\r\n"
	}
	msg += "Contact: <sip:900@127.0.0.1>\r\n" + extra
	if body != "" {
		msg += "Content-Type: application/sdp\r\n"
	}
	return []byte(msg + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body)
}

// sippRun is SIPp running one call of a lab scenario, the test's socket playing the other
// side.
type sippRun struct {
	cmd  *exec.Cmd
	out  bytes.Buffer   // SIPp's screen
	errs string         // SIPp's error file
	conn net.PacketConn // the test's end
}

// startSIPp starts sipp on scenario for one call at port (skipping the test where sipp is
// not installed); with dial, it calls the test's socket. The test's end kills it.
func startSIPp(t *testing.T, scenario string, port int, dial bool, args ...string) *sippRun {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (make lab-up installs it)")
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	r := &sippRun{conn: conn, errs: filepath.Join(t.TempDir(), "errors.log")}
	args = append([]string{"-sf", scenario, "-i", "127.0.0.1", "-p", fmt.Sprint(port),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-nostdin",
		"-trace_err", "-error_file", r.errs}, args...)
	if dial {
		args = append(args, conn.LocalAddr().String())
	}
	r.cmd = exec.CommandContext(ctx, "sipp", args...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// wait fails the test unless SIPp ends with its call counted as successful.
func (r *sippRun) wait(t *testing.T) {
	t.Helper()
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("sipp counted the call as failed (%v); %s", err, r.said())
	}
}

// said is SIPp's error file and screen, for a failure's message.
func (r *sippRun) said() string {
	b, _ := os.ReadFile(r.errs)
	return "sipp's errors:\n" + string(b) + "\nsipp's screen:\n" + r.out.String()
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// waitBound waits until sipp has bound its port.
func waitBound(t *testing.T, port int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sipp did not bind port %d", port)
}

// sipRequest is a request of the one call this test makes; toTag is empty on the INVITE.
func sipRequest(method, local, branch, cseq, toTag string) []byte {
	to := "<sip:2000@127.0.0.1>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	body := ""
	if method == "INVITE" {
		body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
	}
	msg := method + " sip:2000@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=" + branch + "\r\n" +
		"From: <sip:1000@127.0.0.1>;tag=caller\r\n" +
		"To: " + to + "\r\n" +
		"Call-ID: retrans-test@127.0.0.1\r\n" +
		"CSeq: " + cseq + "\r\n" +
		"Contact: <sip:1000@" + local + ">\r\n" +
		"Max-Forwards: 70\r\n"
	if body != "" {
		msg += "Content-Type: application/sdp\r\n"
	}
	return []byte(msg + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body)
}

func send(t *testing.T, conn net.PacketConn, to net.Addr, msg []byte) {
	t.Helper()
	if _, err := conn.WriteTo(msg, to); err != nil {
		t.Fatal(err)
	}
}

// awaitFinal reads until a 200 to the INVITE and returns its To tag ("" when none came).
func awaitFinal(conn net.PacketConn, wait time.Duration) string {
	msgs, _ := readUntil(conn, wait, func(m string) bool { return status(m, "1 INVITE") == "200" })
	for _, msg := range msgs {
		if status(msg, "1 INVITE") == "200" {
			_, tag, _ := strings.Cut(header(msg, "To"), ";tag=")
			return tag
		}
	}
	return ""
}

// awaitStatus returns the status code of the first final response for cseq ("" when none).
func awaitStatus(conn net.PacketConn, cseq string, wait time.Duration) string {
	msgs, _ := readUntil(conn, wait, func(m string) bool { return status(m, cseq) >= "200" })
	for _, m := range msgs {
		if code := status(m, cseq); code >= "200" {
			return code
		}
	}
	return ""
}

// readUntil returns the messages read until done says so or wait runs out, and where the
// last one came from.
func readUntil(conn net.PacketConn, wait time.Duration, done func(string) bool) ([]string, net.Addr) {
	var msgs []string
	var last net.Addr
	buf := make([]byte, 65535)
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return msgs, last
		}
		msgs, last = append(msgs, string(buf[:n])), from
		if done(msgs[len(msgs)-1]) {
			return msgs, last
		}
	}
}

// status is a response's status code when its CSeq is cseq, else "".
func status(msg, cseq string) string {
	f := strings.Fields(msg)
	if len(f) < 2 || f[0] != "SIP/2.0" || header(msg, "CSeq") != cseq {
		return ""
	}
	return f[1]
}

func header(msg, name string) string {
	for _, line := range strings.Split(msg, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
