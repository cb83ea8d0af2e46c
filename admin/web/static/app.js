// ariflow admin page: live calls, queues and rooms over server-sent events, forms for every operation of the admin API.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel) => document.querySelector(sel);

// toLogin leaves for the login page, which says why: the session has ended (it expired, it
// was logged out elsewhere, or ariflow restarted: sessions live in memory).
function toLogin(where) { location.assign(where || "/login?error=session"); }

// api calls the admin API. On a 401 the page goes to log in again, and the promise never
// settles: no error is shown (nor alerted) while the page goes.
async function api(method, path, body, raw) {
  const opts = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
  if (body !== undefined) {
    opts.body = raw ? body : JSON.stringify(body);
    opts.headers["Content-Type"] = raw ? "application/yaml" : "application/json";
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  if (resp.status === 401) { toLogin(data.login); return new Promise(() => {}); }
  if (!resp.ok && !data.problems) throw new Error((data.field ? data.field + ": " : "") + (data.error || resp.statusText));
  return data;
}

function cell(tr, text) { const td = tr.insertCell(); td.textContent = text ?? ""; return td; }
function button(td, label, onclick) { const b = document.createElement("button"); b.textContent = label; b.onclick = onclick; td.appendChild(b); return b; }
function say(sel, text, ok) { $(sel).textContent = text; $(sel).className = "result " + (ok ? "ok" : "error"); }
function form(e) { e.preventDefault(); return new FormData(e.target); }
function seconds(s) { return s ? Math.round(s) + " s" : ""; }

// fresh reports whether a part of the live state changed since it was last drawn: an
// unchanged part is not drawn again, so its buttons stay under the pointer.
const drawn = {};
function fresh(key, value) { const s = JSON.stringify(value); if (drawn[key] === s) return false; drawn[key] = s; return true; }
function names(sel, list) {
  $(sel).replaceChildren(...list.map((x) => { const o = document.createElement("option"); o.value = x.name; return o; }));
}

function renderCalls(state) {
  const body = $("#calls tbody");
  body.replaceChildren();
  for (const c of state.calls) {
    const tr = body.insertRow();
    tr.dataset.channel = c.channel;
    cell(tr, c.channel); cell(tr, c.caller); cell(tr, c.exten); cell(tr, c.state);
    cell(tr, c.duration_seconds + " s"); cell(tr, c.recording);
    const td = tr.insertCell();
    button(td, "Hang up", () => api("DELETE", "/api/calls/" + encodeURIComponent(c.channel)).catch(alert));
    button(td, "Redirect…", () => {
      const to = prompt("Redirect " + c.channel + " to which number?");
      if (to) api("POST", "/api/calls/" + encodeURIComponent(c.channel) + "/redirect", { exten: to }).catch(alert);
    });
  }
  $("#call-count").textContent = "(" + state.calls.length + ")";
}

// table makes a table of text rows; actions, when given, fills one more cell of row i.
function table(headers, rows, actions) {
  const t = document.createElement("table");
  const h = t.createTHead().insertRow();
  for (const x of headers) { const th = document.createElement("th"); th.textContent = x; h.appendChild(th); }
  const b = t.createTBody();
  rows.forEach((r, i) => {
    const tr = b.insertRow();
    for (const x of r) cell(tr, x);
    if (actions) actions(tr.insertCell(), i, tr);
  });
  return t;
}

function memberAction(queue, member, action, reason) {
  return api("POST", "/api/queues/" + encodeURIComponent(queue) + "/members", { member, action, reason: reason || "" });
}

function renderQueues(state) {
  if (!fresh("queues", state.queues)) return;
  names("#queue-names", state.queues);
  const out = $("#queues");
  out.replaceChildren();
  for (const q of state.queues) {
    const div = document.createElement("div");
    div.className = "queue"; div.dataset.queue = q.name;
    const h = document.createElement("h3");
    h.textContent = q.name + ": " + q.callers.length + " waiting";
    div.appendChild(h);
    const rows = [
      ...q.callers.map((c) => ["caller", String(c.position), c.caller, Math.round(c.wait) + " s"]),
      ...q.members.map((m) => ["member", m.status + (m.pause_reason ? " (" + m.pause_reason + ")" : ""), m.endpoint, m.calls + " calls"]),
    ];
    div.appendChild(table(["", "Position / status", "Who", "Wait / calls", ""], rows, (td, i, tr) => {
      const m = q.members[i - q.callers.length];
      if (!m) return;
      tr.dataset.member = m.endpoint;
      const loggedOut = m.status === "logged out";
      button(td, loggedOut ? "Log in" : "Log out", () => memberAction(q.name, m.endpoint, loggedOut ? "login" : "logout").catch(alert)).className = "login";
      if (m.status === "paused") {
        button(td, "Unpause", () => memberAction(q.name, m.endpoint, "unpause").catch(alert)).className = "pause";
      } else if (!loggedOut) {
        button(td, "Pause…", () => {
          const reason = prompt("Pause " + m.endpoint + " in " + q.name + ": why? (optional)");
          if (reason !== null) memberAction(q.name, m.endpoint, "pause", reason).catch(alert);
        }).className = "pause";
      }
    }));
    out.appendChild(div);
  }
}

$("#queue-member").onsubmit = async (e) => {
  const f = form(e);
  try {
    const q = await memberAction(f.get("queue"), f.get("member"), f.get("action"), f.get("reason"));
    const m = (q.members || []).find((x) => x.endpoint === f.get("member"));
    say("#queue-member-result", f.get("member") + " in " + f.get("queue") + ": " + (m ? m.status : "done"), true);
  } catch (err) { say("#queue-member-result", err.message, false); }
};

$("#queue-log-form").onsubmit = async (e) => {
  const f = form(e);
  const body = $("#queue-log tbody");
  try {
    const p = f.get("limit") ? "?" + new URLSearchParams({ limit: f.get("limit") }) : "";
    const data = await api("GET", "/api/queues/" + encodeURIComponent(f.get("queue")) + "/log" + p);
    body.replaceChildren();
    for (const x of data.entries) {
      const tr = body.insertRow();
      cell(tr, new Date(x.time).toLocaleString()); cell(tr, x.event); cell(tr, x.member); cell(tr, x.caller);
      cell(tr, x.position ? String(x.position) : ""); cell(tr, seconds(x.wait)); cell(tr, seconds(x.talk)); cell(tr, x.reason);
    }
    say("#queue-log-result", f.get("queue") + ": " + data.entries.length + " entries, oldest first", true);
  } catch (err) { body.replaceChildren(); say("#queue-log-result", err.message, false); }
};

function roomPath(room) { return "/api/rooms/" + encodeURIComponent(room); }

function renderRooms(state) {
  if (!fresh("rooms", state.rooms)) return;
  names("#room-names", state.rooms);
  const out = $("#rooms");
  out.replaceChildren();
  for (const r of state.rooms) {
    const div = document.createElement("div");
    div.className = "room"; div.dataset.room = r.name;
    const h = document.createElement("h3");
    h.textContent = r.name + ": " + r.members.length + "/" + r.max_members + (r.locked ? " (locked)" : "") + (r.all_muted ? " (all muted)" : "") + (r.runtime ? " (created here)" : "");
    div.appendChild(h);
    if (r.members.length) { // an empty room has nobody to list, nothing to lock
      const lock = document.createElement("p");
      button(lock, r.locked ? "Unlock" : "Lock", () => api("POST", roomPath(r.name) + "/lock", { locked: !r.locked }).catch(alert)).className = "lock";
      div.appendChild(lock);
      div.appendChild(table(["Channel", "Caller", "Joined", "", ""], r.members.map((m) =>
        [m.channel, m.name ? m.name + " <" + m.caller + ">" : m.caller, new Date(m.joined).toLocaleTimeString(),
          (m.muted ? "muted " : "") + (m.admin ? "admin" : "")]), (td, i, tr) => {
        const m = r.members[i];
        tr.dataset.channel = m.channel;
        const member = roomPath(r.name) + "/members/" + encodeURIComponent(m.channel);
        button(td, m.muted ? "Unmute" : "Mute", () => api("POST", member + "/mute", { muted: !m.muted }).catch(alert)).className = "mute";
        button(td, "Kick", () => {
          if (confirm("Kick " + (m.caller || m.channel) + " out of " + r.name + "?")) api("DELETE", member).catch(alert);
        }).className = "kick";
      }));
    }
    out.appendChild(div);
  }
}

$("#room-create").onsubmit = async (e) => {
  const f = form(e);
  const req = { name: f.get("name"), max_members: Number(f.get("max_members") || 0) };
  if (f.get("pin")) req.pin = f.get("pin");
  if (f.get("admin_pin")) req.admin_pin = f.get("admin_pin");
  try {
    await api("POST", "/api/rooms", req);
    say("#room-create-result", "Created " + req.name, true);
    e.target.reset();
  } catch (err) { say("#room-create-result", err.message, false); }
};

$("#room-invite").onsubmit = async (e) => {
  const f = form(e);
  try {
    const r = await api("POST", roomPath(f.get("room")) + "/invite", { endpoint: f.get("endpoint") });
    say("#room-invite-result", "Ringing " + f.get("endpoint") + " into " + f.get("room") + " (channel " + r.channel + ")", true);
  } catch (err) { say("#room-invite-result", err.message, false); }
};

function live() {
  const es = new EventSource("/api/events");
  es.addEventListener("state", (e) => { const st = JSON.parse(e.data); renderCalls(st); renderQueues(st); renderRooms(st); $("#status").textContent = "live"; $("#status").className = "up"; });
  es.onerror = () => {
    $("#status").textContent = "reconnecting…"; $("#status").className = "down";
    // EventSource retries a lost connection by itself, but gives up on an answer that is
    // not a stream, such as the 401 of an ended session: ask the API (api goes to log in
    // on a 401), then start again.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => api("GET", "/api/page/state").then(live, live), 2000);
  };
}

$("#originate").onsubmit = async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const r = await api("POST", "/api/calls/originate", { endpoint: f.get("endpoint"), exten: f.get("exten") });
    $("#originate-result").textContent = "Ringing " + f.get("endpoint") + " (channel " + r.channel + ")";
    $("#originate-result").className = "result ok";
  } catch (err) { $("#originate-result").textContent = err.message; $("#originate-result").className = "result error"; }
};

async function loadRecordings(params) {
  const data = await api("GET", "/api/recordings?" + new URLSearchParams(params || {}));
  const body = $("#recordings tbody");
  body.replaceChildren();
  for (const r of data.recordings) {
    const tr = body.insertRow();
    cell(tr, new Date(r.start).toLocaleString()); cell(tr, r.name); cell(tr, r.caller); cell(tr, r.callee);
    cell(tr, r.duration_seconds ? Math.round(r.duration_seconds) + " s" : "");
    const audio = document.createElement("audio");
    audio.controls = true; audio.preload = "none"; audio.src = r.audio;
    tr.insertCell().appendChild(audio);
    button(tr.insertCell(), "Delete", async () => {
      if (confirm("Delete " + r.name + "?")) { await api("DELETE", r.audio).catch(alert); loadRecordings(params); }
    });
  }
}
async function loadVoicemail(box, folder) {
  const body = $("#voicemail tbody");
  try {
    const data = await api("GET", "/api/voicemail/" + encodeURIComponent(box) + (folder ? "?" + new URLSearchParams({ folder }) : ""));
    body.replaceChildren();
    for (const m of data.messages) {
      const tr = body.insertRow();
      tr.dataset.id = m.id;
      const path = "/api/voicemail/" + encodeURIComponent(box) + "/" + encodeURIComponent(m.id);
      cell(tr, new Date(m.time).toLocaleString()); cell(tr, m.caller_name ? m.caller_name + " <" + m.caller + ">" : m.caller);
      cell(tr, m.folder + (m.heard ? "" : " (new)")); cell(tr, seconds(m.duration_seconds));
      const listen = tr.insertCell();
      const audio = document.createElement("audio");
      audio.controls = true; audio.preload = "none"; audio.src = path + "/audio";
      const down = document.createElement("a");
      down.href = path + "/audio"; down.download = "voicemail-" + box + "-" + m.id; down.textContent = "Download";
      listen.append(audio, " ", down);
      const td = tr.insertCell();
      if (!m.heard) button(td, "Mark heard", async () => { await api("POST", path + "/heard").catch(alert); loadVoicemail(box, folder); }).className = "heard";
      button(td, "Delete", async () => {
        if (confirm("Delete the message from " + (m.caller || "an unknown caller") + "?")) { await api("DELETE", path).catch(alert); loadVoicemail(box, folder); }
      }).className = "delete";
    }
    say("#voicemail-result", "Box " + data.box + (data.owner ? " (" + data.owner + ")" : "") + ": " + data.messages.length + (data.messages.length === 1 ? " message" : " messages"), true);
  } catch (err) { body.replaceChildren(); say("#voicemail-result", err.message, false); }
}
$("#voicemail-form").onsubmit = (e) => { const f = form(e); loadVoicemail(f.get("box"), f.get("folder")); };

$("#recordings-filter").onsubmit = (e) => {
  e.preventDefault();
  const p = {};
  for (const [k, v] of new FormData(e.target)) if (v) p[k] = v;
  loadRecordings(p).catch(alert);
};

async function loadAbsence() {
  const data = await api("GET", "/api/absence");
  const body = $("#absence tbody");
  body.replaceChildren();
  for (const a of data.absence) {
    const tr = body.insertRow();
    cell(tr, a.exten); cell(tr, a.on ? "absent" : "present"); cell(tr, a.by);
    button(tr.insertCell(), a.on ? "Back" : "Away", async () => {
      await api("PUT", "/api/absence/" + encodeURIComponent(a.exten), { on: !a.on }).catch(alert);
      loadAbsence();
    });
  }
  const sched = await api("GET", "/api/schedules");
  $("#schedules").replaceChildren(...sched.schedules.map((s) => {
    const li = document.createElement("li");
    li.textContent = s.name + ": " + s.state + " (" + s.reason + ")" + (s.until ? " until " + new Date(s.until).toLocaleString() : "");
    return li;
  }));
}

$("#simulate").onsubmit = async (e) => {
  e.preventDefault();
  const p = {};
  for (const [k, v] of new FormData(e.target)) if (v) p[k] = v;
  try {
    const r = await api("GET", "/api/routing/simulate?" + new URLSearchParams(p));
    $("#simulation").replaceChildren(...r.steps.map((s) => { const li = document.createElement("li"); li.textContent = s; return li; }));
  } catch (err) { $("#simulation").textContent = err.message; }
};

function showProblems(text, result) {
  const out = $("#check-result");
  out.replaceChildren();
  if (result.ok) {
    out.textContent = "OK: " + result.summary;
    if (result.restart_needed) out.textContent += "; changed, applied at the next restart: " + result.restart_needed.join(", ");
    out.className = "ok";
    return;
  }
  out.className = "";
  const bad = new Set(result.problems.map((p) => p.line));
  const list = document.createElement("ul");
  for (const p of result.problems) { const li = document.createElement("li"); li.className = "problem"; li.textContent = "line " + p.line + ": " + p.message; list.appendChild(li); }
  out.appendChild(list);
  if (text) {
    const pre = document.createElement("pre"); pre.className = "numbered";
    text.split("\n").forEach((line, i) => {
      const span = document.createElement("span");
      span.textContent = String(i + 1).padStart(4) + "  " + line + "\n";
      if (bad.has(i + 1)) span.className = "bad";
      pre.appendChild(span);
    });
    out.appendChild(pre);
  }
}
$("#check").onsubmit = async (e) => {
  e.preventDefault();
  const text = $("#routing-text").value;
  try { showProblems(text, await api("POST", "/api/routing/check", text, true)); } catch (err) { say("#check-result", err.message, false); }
};
$("#reload").onclick = async () => {
  try { showProblems("", await api("POST", "/api/routing/reload")); } catch (err) { say("#check-result", err.message, false); }
};
$("#module-reload").onsubmit = async (e) => {
  const f = form(e);
  try {
    const r = await api("POST", "/api/asterisk/reload", { module: f.get("module") });
    say("#module-result", "Reloaded " + (r.detail || f.get("module")), true);
  } catch (err) { say("#module-result", err.message, false); }
};
$("#restart-form").onsubmit = async (e) => {
  e.preventDefault();
  if (!confirm("Restart ariflow? It takes no new call, lets the calls in progress finish, then the service manager starts it again.")) return;
  try {
    const r = await api("POST", "/api/restart");
    say("#restart-result", "Restarting: " + r.detail, true);
  } catch (err) { say("#restart-result", err.message, false); }
};
$("#logout").onclick = async () => { await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf } }); location.href = "/login"; };

live();
loadRecordings().catch(alert);
loadAbsence().catch(alert);
