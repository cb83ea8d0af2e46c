package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ariflow/ariflow/internal/labtest"
)

// The admin page in a real browser (Debian's chromium, headless): log in, see a live SIPp
// call appear, originate a call, play a recording. The screenshot is kept with the test's
// artifacts (integration/artifacts under make test).
func TestAdminPageInABrowser(t *testing.T) {
	h := start(t, options{body: officeBody + playBody, now: monday(10, 0)})
	api := startAdmin(h)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (apt-get install chromium; lab/root.sh installs it): %v", err)
	}

	// A recorded call first, so that there is a recording to play.
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	callExtension(h, "2000", "3000").AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

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
}
