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
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (make lab-up installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	phonePort, mediaPort := freeUDPPort(t), freeUDPPort(t)
	dir := t.TempDir()
	errs := filepath.Join(dir, "errors.log")
	sipp := exec.CommandContext(ctx, "sipp", "-sf", "bench_uas.xml", "-s", "2000", "-i", "127.0.0.1",
		"-p", fmt.Sprint(phonePort), "-mi", "127.0.0.1", "-mp", fmt.Sprint(mediaPort), "-m", "1", "-nostdin",
		"-trace_err", "-error_file", errs)
	var out bytes.Buffer
	sipp.Stdout, sipp.Stderr = &out, &out
	if err := sipp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sipp.Process.Kill() }()

	phone := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: phonePort}
	local := conn.LocalAddr().String()
	invite := sipRequest("INVITE", local, "z9hG4bK-retrans-1", "1 INVITE", "")
	waitBound(t, phonePort)
	send(t, conn, phone, invite)
	tag := awaitFinal(conn, 5*time.Second)
	if tag == "" {
		t.Fatalf("no 200 to the INVITE; sipp said:\n%s", out.String())
	}
	send(t, conn, phone, invite) // the same INVITE again: a retransmission
	if again := awaitFinal(conn, 3*time.Second); again != tag {
		t.Fatalf("the retransmitted INVITE got no 200 with the call's tag %q (got %q); errors:\n%s", tag, again, readFile(errs))
	}
	send(t, conn, phone, sipRequest("ACK", local, "z9hG4bK-retrans-2", "1 ACK", tag))
	send(t, conn, phone, sipRequest("BYE", local, "z9hG4bK-retrans-3", "2 BYE", tag))
	if code := awaitStatus(conn, "2 BYE", 3*time.Second); code != "200" {
		t.Fatalf("BYE answered %q, want 200; errors:\n%s", code, readFile(errs))
	}
	if err := sipp.Wait(); err != nil {
		t.Fatalf("sipp counted the call as failed (%v); errors:\n%s\nsipp said:\n%s", err, readFile(errs), out.String())
	}
}

// TestBenchCallerIgnoresASecond200ToItsKey: when the 200 to the caller's INFO (its key)
// is late, SIPp resends the INFO and Asterisk answers both; the second 200, not byte for byte
// the first, comes during the talk. The bench's caller (bench_uac.xml) must ignore it and
// complete the call, as a phone does, not drop it as unexpected.
func TestBenchCallerIgnoresASecond200ToItsKey(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (make lab-up installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	errs := filepath.Join(t.TempDir(), "errors.log")
	sipp := exec.CommandContext(ctx, "sipp", "-sf", "bench_uac.xml", "-s", "900", "-i", "127.0.0.1",
		"-p", fmt.Sprint(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-nostdin",
		"-set", "digits", "1", "-set", "pre_ms", "0", "-set", "hold_ms", "1000",
		"-trace_err", "-error_file", errs, conn.LocalAddr().String())
	var out bytes.Buffer
	sipp.Stdout, sipp.Stderr = &out, &out
	if err := sipp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sipp.Process.Kill() }()

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
	if err := sipp.Wait(); err != nil {
		t.Fatalf("sipp counted the call as failed (%v); errors:\n%s\nsipp said:\n%s", err, readFile(errs), out.String())
	}
}

// awaitRequest reads until a request of method comes (10 s at most) and returns it and
// where it came from.
func awaitRequest(t *testing.T, conn net.PacketConn, method string) (string, net.Addr) {
	t.Helper()
	buf := make([]byte, 65535)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no %s: %v", method, err)
		}
		if msg := string(buf[:n]); strings.HasPrefix(msg, method+" ") {
			return msg, from
		}
	}
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
	for _, msg := range readUntil(conn, wait, func(m string) bool { return status(m, "1 INVITE") == "200" }) {
		if status(msg, "1 INVITE") == "200" {
			_, tag, _ := strings.Cut(header(msg, "To"), ";tag=")
			return tag
		}
	}
	return ""
}

// awaitStatus returns the status code of the first final response for cseq ("" when none).
func awaitStatus(conn net.PacketConn, cseq string, wait time.Duration) string {
	msgs := readUntil(conn, wait, func(m string) bool { return status(m, cseq) >= "200" })
	for _, m := range msgs {
		if code := status(m, cseq); code >= "200" {
			return code
		}
	}
	return ""
}

// readUntil returns the messages read until done says so or wait runs out.
func readUntil(conn net.PacketConn, wait time.Duration, done func(string) bool) []string {
	var msgs []string
	buf := make([]byte, 65535)
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return msgs
		}
		msgs = append(msgs, string(buf[:n]))
		if done(msgs[len(msgs)-1]) {
			return msgs
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

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
