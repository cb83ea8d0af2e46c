// ariflow admin page: live calls over server-sent events, forms for the admin API.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel) => document.querySelector(sel);

async function api(method, path, body, raw) {
  const opts = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
  if (body !== undefined) {
    opts.body = raw ? body : JSON.stringify(body);
    opts.headers["Content-Type"] = raw ? "text/yaml" : "application/json";
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok && !data.problems) throw new Error((data.field ? data.field + ": " : "") + (data.error || resp.statusText));
  return data;
}

function cell(tr, text) { const td = tr.insertCell(); td.textContent = text ?? ""; return td; }
function button(td, label, onclick) { const b = document.createElement("button"); b.textContent = label; b.onclick = onclick; td.appendChild(b); return b; }

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

function table(headers, rows) {
  const t = document.createElement("table");
  const h = t.createTHead().insertRow();
  for (const x of headers) { const th = document.createElement("th"); th.textContent = x; h.appendChild(th); }
  const b = t.createTBody();
  for (const r of rows) { const tr = b.insertRow(); for (const x of r) cell(tr, x); }
  return t;
}

function renderQueues(state) {
  const out = $("#queues");
  out.replaceChildren();
  for (const q of state.queues) {
    const h = document.createElement("h3");
    h.textContent = q.name + ": " + q.callers.length + " waiting";
    out.appendChild(h);
    out.appendChild(table(["", "Position / status", "Who", "Wait / calls"], [
      ...q.callers.map((c) => ["caller", String(c.position), c.caller, Math.round(c.wait) + " s"]),
      ...q.members.map((m) => ["member", m.status, m.endpoint, m.calls + " calls"]),
    ]));
  }
}

function renderRooms(state) {
  const out = $("#rooms");
  out.replaceChildren();
  for (const r of state.rooms) {
    const h = document.createElement("h3");
    h.textContent = r.name + ": " + r.members.length + "/" + r.max_members + (r.locked ? " (locked)" : "");
    out.appendChild(h);
    if (r.members.length) {
      out.appendChild(table(["Channel", "Caller", "Joined", ""], r.members.map((m) =>
        [m.channel, m.caller, new Date(m.joined).toLocaleTimeString(), (m.muted ? "muted " : "") + (m.admin ? "admin" : "")])));
    }
  }
}

function live() {
  const es = new EventSource("/api/events");
  es.addEventListener("state", (e) => { const st = JSON.parse(e.data); renderCalls(st); renderQueues(st); renderRooms(st); $("#status").textContent = "live"; $("#status").className = "up"; });
  es.onerror = () => { $("#status").textContent = "reconnecting…"; $("#status").className = "down"; };
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
  showProblems(text, await api("POST", "/api/routing/check", text, true));
};
$("#reload").onclick = async () => showProblems("", await api("POST", "/api/routing/reload"));
$("#logout").onclick = async () => { await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf } }); location.href = "/login"; };

live();
loadRecordings().catch(alert);
loadAbsence().catch(alert);
