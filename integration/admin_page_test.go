package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ariflow/ariflow/internal/labtest"
)

// adminPageBody is officeBody and playBody, with a voicemail deposit number, a room with
// its number and a queue for the page's sections.
const adminPageBody = officeBody + playBody + `  "8000": {voicemail: "1000"}
  "999": {room: Salle_1}
rooms:
  Salle_1: {max_members: 5}
queues:
  sales: {members: [PJSIP/4001]}
`

// The admin page in a real browser (Debian's chromium, headless): log in, see a live SIPp
// call appear, originate a call, play a recording; pause a queue member and read the queue
// log; list a box's voicemail, download and mark a message heard; reload an Asterisk
// module; see a caller in a room, mute and kick it, lock the room, create a room and ring
// a phone into it. The screenshot is kept with the test's artifacts (integration/artifacts
// under make test).
func TestAdminPageInABrowser(t *testing.T) {
	h := start(t, options{body: adminPageBody, now: monday(10, 0)})
	api := startAdminWith(h, h.service(), h.rooms)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (apt-get install chromium; lab/root.sh installs it): %v", err)
	}

	// A recorded call first, so that there is a recording to play.
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	callExtension(h, "2000", "3000").AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	leaveMessage(h, "2000", "4500") // and a voicemail message to list

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1280, 1000))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("browser: text of %s: %v", sel, err)
		}
		return v
	}
	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	// contains is a page expression: the element sel is there and its text has want.
	contains := func(sel, want string) string {
		return fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "").includes(%q)`, sel, want)
	}
	// cellHas is a page expression: the table row sel is there and its cell i has want.
	cellHas := func(sel string, i int, want string) string {
		return fmt.Sprintf(`(document.querySelector(%q)?.cells[%d].textContent ?? "").includes(%q)`, sel, i, want)
	}

	do("log in",
		chromedp.Navigate(api.url+"/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), adminToken),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("calls")),
	)

	caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7002", From: "3000", Timeout: 40 * time.Second})
	poll("see the live call", `[...document.querySelectorAll("#calls tbody tr")].some(tr => tr.textContent.includes("7002"))`)
	if rows := text("#calls tbody"); !strings.Contains(rows, "3000") || strings.Contains(rows, "-") {
		t.Errorf("the live call row %q: want its caller 3000 and a duration that is not negative", rows)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ARIFLOW_LAB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(dir, "admin-page.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)
	channel := api.waitCall("7002")
	api.do("DELETE", "/api/calls/"+channel, "", "")
	caller.Wait()

	// Originate from the form: phone 2000 rings.
	phone2000 := h.lab.Phone(t, "2000", "uas_answer_hangup.xml")
	do("originate",
		chromedp.SendKeys(chromedp.CSS(`#originate input[name="endpoint"]`), "PJSIP/2000"),
		chromedp.SendKeys(chromedp.CSS(`#originate input[name="exten"]`), "7001"),
		chromedp.Click(chromedp.CSS(`#originate button`)),
	)
	poll("originate answered by the API", `document.querySelector("#originate-result").textContent.startsWith("Ringing")`)
	if !phone2000.WaitReceived("INVITE", 1, 10*time.Second) {
		t.Errorf("phone 2000 did not ring after the page's originate (%q)", text("#originate-result"))
	}
	phone2000.Wait()
	h.waitIdle(10 * time.Second)

	// Play the recording in the page.
	do("find the recording", chromedp.WaitVisible(chromedp.CSS("#recordings audio")))
	playing, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#recordings audio").play().then(() => true)`, chromedp.EvalAwaitPromise))
	if err != nil || !playing {
		t.Fatalf("the recording did not start playing: %v", err)
	}
	poll("the recording plays", `(() => { const a = document.querySelector("#recordings audio"); return !a.error && a.duration > 1 && a.currentTime > 0 })()`)

	// Queues: the routing file's member is listed; the member form pauses it with a reason,
	// and the queue log shows the pause.
	member := `#queues [data-queue="sales"] tr[data-member="PJSIP/4001"]`
	poll("the queue lists its member", contains(member, "available"))
	do("pause the member",
		chromedp.SendKeys(chromedp.CSS(`#queue-member input[name="queue"]`), "sales"),
		chromedp.SendKeys(chromedp.CSS(`#queue-member input[name="member"]`), "PJSIP/4001"),
		chromedp.SetValue(chromedp.CSS(`#queue-member select[name="action"]`), "pause"),
		chromedp.SendKeys(chromedp.CSS(`#queue-member input[name="reason"]`), "lunch"),
		chromedp.Click(chromedp.CSS(`#queue-member button`)),
	)
	poll("the member shows paused", contains(member, "paused (lunch)"))
	do("show the queue log",
		chromedp.SendKeys(chromedp.CSS(`#queue-log-form input[name="queue"]`), "sales"),
		chromedp.Click(chromedp.CSS(`#queue-log-form button`)),
	)
	poll("the queue log shows the pause", contains("#queue-log tbody", "PAUSE")+" && "+contains("#queue-log tbody", "lunch"))

	// Voicemail: box 1000 lists the message left above; its audio downloads; marked heard,
	// it moves to Old.
	do("show box 1000",
		chromedp.SendKeys(chromedp.CSS(`#voicemail-form input[name="box"]`), "1000"),
		chromedp.Click(chromedp.CSS(`#voicemail-form button`)),
	)
	poll("the box lists the message", cellHas("#voicemail tbody tr", 1, "2000")+" && "+cellHas("#voicemail tbody tr", 2, "INBOX"))
	audio, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch(document.querySelector("#voicemail tbody a").href)
		.then(r => r.ok && r.headers.get("Content-Type").startsWith("audio/"))`, chromedp.EvalAwaitPromise))
	if err != nil || !audio {
		t.Errorf("the message's Download link gives no audio: %v", err)
	}
	do("mark the message heard", chromedp.Click(chromedp.CSS(`#voicemail tbody button.heard`)))
	poll("the message is in Old", `document.querySelector("#voicemail tbody tr")?.cells[2].textContent === "Old"`)

	// A real Asterisk module reload from its form.
	do("reload an Asterisk module",
		chromedp.SendKeys(chromedp.CSS(`#module-reload input[name="module"]`), "res_musiconhold.so"),
		chromedp.Click(chromedp.CSS(`#module-reload button`)),
	)
	poll("the module reloaded", `document.querySelector("#module-result").textContent === "Reloaded res_musiconhold.so"`)

	// Rooms: the routing file's room lists a caller who dialed in; the page mutes it, locks
	// the room and kicks the caller (who gets the BYE).
	room := `#rooms [data-room="Salle_1"]`
	poll("the routing file's room is listed", contains(room+" h3", "Salle_1: 0/5"))
	inRoom := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "999", From: "3000", Timeout: 60 * time.Second})
	h.waitMembers("Salle_1", 1, 20*time.Second)
	poll("the room lists its member", cellHas(room+" tr[data-channel]", 1, "3000"))
	do("mute the member", chromedp.Click(chromedp.CSS(room+" tr[data-channel] button.mute")))
	poll("the member shows muted", cellHas(room+" tr[data-channel]", 3, "muted"))
	do("lock the room", chromedp.Click(chromedp.CSS(room+" button.lock")))
	poll("the room shows locked", contains(room+" h3", "(locked)"))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.confirm = () => true, true)`)); err != nil { // yes to "Kick …?"
		t.Fatal(err)
	}
	do("kick the member", chromedp.Click(chromedp.CSS(room+" tr[data-channel] button.kick")))
	inRoom.Wait().AssertOK(t)
	poll("the room is empty again", `!document.querySelector('`+room+` tr[data-channel]')`)

	// A room created from the form is listed; the invite form rings phone 2000 into it.
	do("create a room",
		chromedp.SendKeys(chromedp.CSS(`#room-create input[name="name"]`), "Salle_9"),
		chromedp.SendKeys(chromedp.CSS(`#room-create input[name="max_members"]`), "3"),
		chromedp.Click(chromedp.CSS(`#room-create button`)),
	)
	poll("the new room is listed", contains(`#rooms [data-room="Salle_9"] h3`, "Salle_9: 0/3"))
	invited := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "2000", Scenario: "uas_answer_hangup.xml",
		Vars: map[string]string{"ring_ms": "300", "hold_ms": "4000"}})
	do("invite phone 2000",
		chromedp.SendKeys(chromedp.CSS(`#room-invite input[name="room"]`), "Salle_9"),
		chromedp.SendKeys(chromedp.CSS(`#room-invite input[name="endpoint"]`), "PJSIP/2000"),
		chromedp.Click(chromedp.CSS(`#room-invite button`)),
	)
	poll("the invite answered by the API", `document.querySelector("#room-invite-result").textContent.startsWith("Ringing")`)
	poll("the invited phone is in the new room", `!!document.querySelector('#rooms [data-room="Salle_9"] tr[data-channel]')`)
	invited.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
}
