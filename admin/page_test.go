package admin

import (
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The page's script in a real browser (headless chromium; skipped without it, and with
// -short): an empty room offers no Lock; a routing check the server refuses shows why;
// when the session ends (ariflow restarted: sessions live in memory), the page goes to
// the login page, which says why, whether the live stream or a button hears the 401
// first, and no alert pops up.
func TestPageInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium: the page's script is not tested here (the integration test drives the page too)")
	}
	f, _ := newRichFixture(t) // Salle_1 has members, Salle_2 none
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	eval := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	logIn := func() {
		t.Helper()
		do("log in", chromedp.Navigate(f.srv.URL+"/login"), chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("login")),
			chromedp.WaitVisible(chromedp.ID("calls")))
		poll("the live state", `document.querySelector("#status").textContent === "live"`)
		// An alert would block the page; record them instead, across the page's navigations.
		eval("record alerts", `(window.alert = (m) => sessionStorage.setItem("alerts", (sessionStorage.getItem("alerts") ?? "") + m + "\n"), true)`)
	}
	endSessions := func() {
		f.server.sessions.mu.Lock()
		clear(f.server.sessions.byID)
		f.server.sessions.mu.Unlock()
	}
	// untilNavigated polls expr through the page's navigation (which ends a Poll).
	untilNavigated := func(what, expr string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
				return
			}
		}
		t.Fatalf("browser: %s: not within 15 s", what)
	}
	atLogin := `location.pathname + location.search === "/login?error=session" && document.body.textContent.includes("Your session has ended")`
	noAlerts := func(when string) {
		t.Helper()
		alerts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("alerts") ?? ""`))
		if err != nil || alerts != "" {
			t.Errorf("%s: alerts %q (%v)", when, alerts, err)
		}
	}

	logIn()
	poll("the rooms", `document.querySelector('[data-room="Salle_1"] button.lock') !== null && document.querySelector('[data-room="Salle_2"]') !== null`)
	eval("no Lock for the empty room", `document.querySelector('[data-room="Salle_2"] button.lock') === null || (() => { throw new Error("Salle_2 offers Lock") })()`)

	eval("a routing file too large", `(document.querySelector("#routing-text").value = "#".repeat(2 << 20), document.querySelector("#check button[type=submit]").click(), true)`)
	poll("the check shows the refusal", `document.querySelector("#check-result").textContent.includes("under 1 MiB")`)

	endSessions() // the live stream ends, reconnects, hears 401
	untilNavigated("the stream sends the page to log in", atLogin)
	noAlerts("after the stream's 401")

	logIn()
	endSessions()
	eval("reload the running file", `(document.querySelector("#reload").click(), true)`)
	untilNavigated("the button sends the page to log in", atLogin)
	noAlerts("after a button's 401")
}
