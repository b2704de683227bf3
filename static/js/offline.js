// Offline queue: a form with a hidden client_id is saved on the phone (IndexedDB,
// files as Blobs) before it is sent, and sent again, automatically, until the
// server has it. The server is idempotent by client_id, so a replay never makes a
// second record. Without this file every form still posts normally.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch || !window.FormData || !window.Promise || !window.JSON) return;

  var doc = document;
  var lang = doc.documentElement.lang || "en";
  var LS = window.localStorage;
  var BACKOFF = [5, 15, 30, 60, 120, 300]; // seconds between automatic attempts
  var KEEP_SENT_MS = 3 * 24 * 3600 * 1000;
  var STALE_SENDING_MS = 2 * 60 * 1000;
  var MAX_SIDE = 1600;

  // ---- strings (GET /offline/strings, kept in localStorage for offline starts)
  var S = {};
  try { S = JSON.parse(LS.getItem("observer.strings." + lang) || "{}"); } catch (e) { S = {}; }
  var stringsReady = fetch("/offline/strings?lang=" + encodeURIComponent(lang), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (j) {
      if (j && j.strings) {
        S = j.strings;
        try { LS.setItem("observer.strings." + lang, JSON.stringify(S)); } catch (e) { /* full: keep going */ }
      }
    }).catch(function () {});

  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  function T(key, data) {
    var m = S[key];
    if (m && typeof m === "object") {
      var n = data && data.Count;
      m = m[plural ? plural.select(n) : (n === 1 ? "one" : "other")] || m.other;
    }
    if (typeof m !== "string") return "";
    return m.replace(/\{\{\s*\.(\w+)\s*\}\}/g, function (_, k) { return data && data[k] != null ? String(data[k]) : ""; });
  }
  function clock(ms) {
    try { return new Date(ms).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }); } catch (e) { return new Date(ms).toTimeString().slice(0, 5); }
  }

  // ---- IndexedDB: one store "outbox", keyed by client_id
  var dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise(function (resolve, reject) {
        var req = indexedDB.open("observer-offline", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("outbox", { keyPath: "id" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbp;
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("outbox", mode);
        var out = fn(t.objectStore("outbox"));
        t.oncomplete = function () { resolve(out && "result" in out ? out.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function put(rec) { rec.updated = Date.now(); return tx("readwrite", function (s) { return s.put(rec); }); }
  function get(id) { return tx("readonly", function (s) { return s.get(id); }); }
  function del(id) { return tx("readwrite", function (s) { return s.delete(id); }); }
  function all() { return tx("readonly", function (s) { return s.getAll(); }).then(function (l) { return l || []; }); }

  // ---- who is signed in, with which CSRF token (never cached)
  function whoami() {
    return fetch("/offline/state", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (st) { if (st) LS.setItem("observer.user", String(st.user || 0)); return st; })
      .catch(function () { return null; });
  }
  function knownUser() { return parseInt(LS.getItem("observer.user") || "0", 10) || 0; }

  // client_ids already queued from this phone: a page kept by the service worker
  // shows the same id every time it opens, so a reused one is replaced.
  function usedIDs() { try { return JSON.parse(LS.getItem("observer.used") || "[]"); } catch (e) { return []; } }
  function markUsed(id) {
    var l = usedIDs().filter(function (x) { return x !== id; });
    l.push(id);
    try { LS.setItem("observer.used", JSON.stringify(l.slice(-300))); } catch (e) { /* ignore */ }
  }
  function newID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  function queueable(form) {
    return form && form.tagName === "FORM" && (form.getAttribute("method") || "").toLowerCase() === "post" &&
      !!form.querySelector('input[name="client_id"]') && !form.hasAttribute("data-no-offline") &&
      new URL(form.action, location.href).origin === location.origin;
  }
  function kindOf(path) {
    if (/\/observations?(\/|$)/.test(path)) return "observation";
    if (/\/incidents?(\/|$)/.test(path)) return "incident";
    return "form";
  }
  function labelOf(form, name) {
    var el = form.querySelector('[name="' + name + '"]:checked') || form.querySelector('select[name="' + name + '"]');
    if (!el) return "";
    if (el.tagName === "SELECT") return el.selectedIndex >= 0 && el.value ? el.options[el.selectedIndex].text.trim() : "";
    var l = el.labels && el.labels[0];
    return l ? l.textContent.replace(/\s+/g, " ").trim() : el.value;
  }

  // ---- photos: an optional downscale to ~1600 px JPEG before sending
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(null);
    var load = window.createImageBitmap ? createImageBitmap(file) : new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
    return load.then(function (img) {
      var w = img.width, h = img.height, k = Math.min(1, MAX_SIDE / Math.max(w, h));
      var c = doc.createElement("canvas");
      c.width = Math.round(w * k);
      c.height = Math.round(h * k);
      c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
      return new Promise(function (resolve) { c.toBlob(resolve, "image/jpeg", 0.85); });
    }).then(function (blob) {
      return blob && blob.size < file.size ? blob : null;
    }).catch(function () { return null; });
  }

  // ---- what the server said, from its page or its JSON
  function serverMessage(resp, body) {
    var ct = resp.headers.get("Content-Type") || "";
    if (ct.indexOf("json") >= 0) {
      try { var j = JSON.parse(body); return (j.error && j.error.message) || ""; } catch (e) { return ""; }
    }
    var d = new DOMParser().parseFromString(body, "text/html");
    var box = d.querySelector("main .errors, main [role=alert], main .flash.error");
    var parts = box ? [box.textContent] : Array.prototype.map.call(d.querySelectorAll("main .field-error"), function (e) { return e.textContent; });
    if (!parts.length) {
      var p = d.querySelector("main p");
      if (p) parts = [p.textContent];
    }
    return parts.join("; ").replace(/\s+/g, " ").trim().slice(0, 400);
  }
  function showsErrors(body) {
    return /class="[^"]*\b(errors|field-error)\b|aria-invalid="true"/.test(body);
  }

  // send posts one saved submission. It resolves to "sent", "wait" (try again
  // later), "signin", or "failed"; the record is updated either way.
  function send(rec, csrf, live) {
    var fd = new FormData();
    rec.fields.forEach(function (f) { fd.append(f[0], f[1]); });
    fd.set("csrf", csrf || rec.csrf || "");
    rec.files.forEach(function (f) {
      if (f.blob) fd.append(f.field, rec.shrink && f.small ? f.small : f.blob, rec.shrink && f.small ? f.smallName : f.name);
    });
    rec.status = "sending";
    rec.attempts = (rec.attempts || 0) + 1;
    return put(rec).then(function () {
      return fetch(rec.url, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRF-Token": csrf || rec.csrf || "" } });
    }).then(function (resp) {
      return resp.text().then(function (body) {
        var to = new URL(resp.url, location.href);
        if (resp.redirected && to.pathname === "/login") {
          rec.status = "signin";
          rec.error = T("offline.error.signin");
          return "signin";
        }
        if (resp.ok && (resp.redirected || !showsErrors(body))) {
          rec.status = "sent";
          rec.sent = Date.now();
          rec.done = to.origin === location.origin ? to.pathname + to.search : "";
          rec.error = "";
          rec.files = rec.files.map(function (f) { return { field: f.field, name: f.name, size: f.size }; });
          return "sent";
        }
        if (resp.status >= 500 || resp.status === 429 || resp.status === 408) {
          rec.status = "waiting";
          rec.error = T("offline.error.server", { Status: resp.status });
          return "wait";
        }
        rec.status = "failed";
        rec.code = resp.status;
        var msg = serverMessage(resp, body);
        rec.error = T("offline.error.rejected", { Status: resp.status }) + (msg ? " " + T("offline.server_said", { Message: msg }) : "");
        if (live) rec.page = body;
        return "failed";
      });
    }, function () {
      rec.status = "waiting";
      rec.error = T("offline.error.network");
      return "wait";
    }).then(function (outcome) {
      if (outcome === "wait") rec.next = Date.now() + 1000 * BACKOFF[Math.min(rec.attempts - 1, BACKOFF.length - 1)];
      var page = rec.page;
      delete rec.page;
      return put(rec).then(function () { return { outcome: outcome, page: page }; });
    });
  }

  // ---- replay everything that waits, one tab at a time
  var flushing = null, timer = null;
  function flush(force) {
    if (flushing) return flushing;
    var run = function () {
      return all().then(function (recs) {
        var now = Date.now();
        var due = recs.filter(function (r) {
          if (r.status === "sending") return now - r.updated > STALE_SENDING_MS;
          if (r.status === "waiting") return force || !r.next || r.next <= now;
          return r.status === "signin" || r.status === "other_user";
        });
        if (!due.length) return;
        return whoami().then(function (st) {
          if (!st) { // still no connection
            return Promise.all(due.map(function (r) {
              if (r.status === "sending") r.status = "waiting";
              r.attempts = (r.attempts || 0) + 1;
              r.error = T("offline.error.network");
              r.next = Date.now() + 1000 * BACKOFF[Math.min(r.attempts - 1, BACKOFF.length - 1)];
              return put(r);
            }));
          }
          return due.reduce(function (p, r) {
            return p.then(function () {
              if (r.user && r.user !== st.user) {
                r.status = st.user ? "other_user" : "signin";
                r.error = st.user ? "" : T("offline.error.signin");
                return put(r);
              }
              return send(r, st.csrf, false);
            });
          }, Promise.resolve());
        });
      });
    };
    var p = navigator.locks && navigator.locks.request ? navigator.locks.request("observer-outbox", run) : run();
    flushing = p.catch(function () {}).then(function () { flushing = null; return refresh(); }).then(schedule);
    return flushing;
  }
  function schedule() {
    clearTimeout(timer);
    return all().then(function (recs) {
      var next = Infinity;
      recs.forEach(function (r) { if (r.status === "waiting") next = Math.min(next, r.next || 0); });
      if (next < Infinity) timer = setTimeout(function () { flush(false); }, Math.max(1000, next - Date.now()));
    });
  }

  // ---- submitting a form
  function noteFor(form) {
    var n = form.querySelector(".offline-note");
    if (!n) {
      n = doc.createElement("p");
      n.className = "offline-note";
      n.setAttribute("role", "status");
      form.appendChild(n);
    }
    return n;
  }
  function bypass(form, submitter) {
    form.setAttribute("data-offline-bypass", "");
    if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    else HTMLFormElement.prototype.submit.call(form);
  }
  function formData(form, submitter) {
    try { return new FormData(form, submitter || undefined); } catch (e) {
      var fd = new FormData(form);
      if (submitter && submitter.name) fd.append(submitter.name, submitter.value);
      return fd;
    }
  }

  function capture(form, submitter) {
    var fd = formData(form, submitter);
    var action = new URL(form.action, location.href);
    var box = form.querySelector(".offline-shrink input");
    var rec = {
      id: String(fd.get("client_id")), url: action.pathname + action.search, kind: kindOf(action.pathname),
      from: location.pathname + location.search, user: knownUser(), csrf: String(fd.get("csrf") || ""),
      title: (doc.querySelector("main h1") || doc.createElement("i")).textContent.replace(/\s+/g, " ").trim(),
      station: String(fd.get("station") || ""), category: labelOf(form, "category"),
      fields: [], files: [], shrink: !!(box && box.checked), status: "sending", attempts: 0, created: Date.now()
    };
    fd.forEach(function (v, k) {
      if (k === "csrf") return;
      if (typeof v === "string") rec.fields.push([k, v]);
      else if (v.size || v.name) rec.files.push({ field: k, name: v.name, type: v.type, size: v.size, blob: v });
    });
    if (!rec.shrink) return Promise.resolve(rec);
    noteFor(form).textContent = T("offline.shrinking");
    return Promise.all(rec.files.map(function (f) {
      return shrink(f.blob).then(function (small) {
        if (small) { f.small = small; f.smallName = f.name.replace(/\.[^.]*$/, "") + ".jpg"; }
      });
    })).then(function () { return rec; });
  }

  function onSubmit(e) {
    var form = e.target;
    if (!queueable(form)) return;
    if (form.hasAttribute("data-offline-bypass")) { form.removeAttribute("data-offline-bypass"); return; }
    if (e.defaultPrevented) return;
    e.preventDefault();
    var submitter = e.submitter;
    var buttons = form.querySelectorAll("button, input[type=submit]");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
    var note = noteFor(form);
    var rec;
    stringsReady.then(function () { return capture(form, submitter); }).then(function (r) {
      rec = r;
      note.textContent = T("offline.status.sending");
      return put(rec).then(function () {
        markUsed(rec.id);
        var replaces = form.getAttribute("data-offline-replaces");
        if (replaces && replaces !== rec.id) return del(replaces);
      }, function () {
        // No room on the phone: send it the ordinary way, as without this script.
        note.textContent = T("offline.error.storage");
        rec = null;
      });
    }).then(function () {
      if (!rec) { bypass(form, submitter); return; }
      if (!navigator.onLine) return finishQueued(rec, note);
      // The form's own token is fresh: no extra round trip before sending.
      return send(rec, rec.csrf, true).then(function (res) {
        if (res.outcome === "sent") {
          sessionStorage.setItem("observer.note", "offline.sent");
          location.assign(rec.done || "/");
        } else if (res.outcome === "signin") {
          location.assign("/login?next=" + encodeURIComponent(rec.from));
        } else if (res.outcome === "failed" && res.page) {
          // The observer is here to fix it: show the server's answer as a plain
          // POST would, and drop the copy (the corrected form is a new send).
          return del(rec.id).then(function () {
            doc.open();
            doc.write(res.page);
            doc.close();
          });
        } else if (res.outcome === "failed") {
          location.assign(myPage());
        } else {
          return finishQueued(rec, note);
        }
      });
    }).catch(function () {
      bypass(form, submitter);
    });
  }

  function myPage() { return doc.querySelector('header a[href="/my"]') ? "/my" : "/offline"; }
  function finishQueued(rec, note) {
    note.textContent = T("offline.queued");
    sessionStorage.setItem("observer.note", "offline.queued");
    var saved = rec.status === "sending" ? (rec.status = "waiting", rec.error = T("offline.error.network"), rec.next = Date.now() + 5000, put(rec)) : Promise.resolve();
    return saved.then(schedule).then(function () {
      setTimeout(function () { location.assign(myPage()); }, 1200);
    });
  }

  // ---- preparing forms on load
  function prepare(form, used) {
    var id = form.querySelector('input[name="client_id"]');
    if (id && used.indexOf(id.value) >= 0) {
      form.querySelectorAll('input[type=hidden][name$="client_id"]').forEach(function (el) { el.value = newID(); });
    }
    form.querySelectorAll("input[type=file]").forEach(function (input, i) {
      if (input.parentNode.querySelector(".offline-shrink")) return;
      var wrap = doc.createElement("div");
      wrap.className = "offline-shrink";
      var box = doc.createElement("input");
      box.type = "checkbox";
      box.id = "offline-shrink-" + i;
      box.checked = LS.getItem("observer.shrink") === "1";
      box.addEventListener("change", function () { LS.setItem("observer.shrink", box.checked ? "1" : "0"); });
      var label = doc.createElement("label");
      label.htmlFor = box.id;
      var text = doc.createElement("span");
      text.setAttribute("data-offline-string", "offline.shrink");
      var hint = doc.createElement("span");
      hint.className = "hint";
      hint.setAttribute("data-offline-string", "offline.shrink_hint");
      label.appendChild(text);
      label.appendChild(hint);
      wrap.appendChild(box);
      wrap.appendChild(label);
      input.insertAdjacentElement("afterend", wrap);
    });
  }
  function fillStrings() {
    doc.querySelectorAll("[data-offline-string]").forEach(function (el) {
      el.textContent = T(el.getAttribute("data-offline-string"));
    });
  }

  // Reopen a submission the server refused, filled in, to correct and send again.
  function restore(form, rec) {
    rec.fields.forEach(function (f) {
      var els = form.querySelectorAll('[name="' + f[0] + '"]');
      els.forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.value === f[1]) el.checked = true; }
        else if (el.type !== "file" && el.name !== "csrf") el.value = f[1];
      });
    });
    if (window.DataTransfer) {
      var byField = {};
      rec.files.forEach(function (f) { if (f.blob) (byField[f.field] = byField[f.field] || []).push(new File([f.blob], f.name, { type: f.type })); });
      Object.keys(byField).forEach(function (name) {
        var input = form.querySelector('input[type=file][name="' + name + '"]');
        if (!input) return;
        var dt = new DataTransfer();
        byField[name].forEach(function (f) { dt.items.add(f); });
        try { input.files = dt.files; } catch (e) { /* older browsers: pick the photos again */ }
      });
    }
    if (rec.code === 409) {
      // The server holds something else under this id: the corrected form is new.
      form.querySelector('input[name="client_id"]').value = newID();
      form.setAttribute("data-offline-replaces", rec.id);
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
    var n = noteFor(form);
    n.textContent = rec.error;
    n.classList.add("error");
    form.insertBefore(n, form.firstChild);
  }

  // ---- the badge on every page and the panel on /my and /offline
  var badge = null, live = null;
  function ui() {
    var header = doc.querySelector("header.top");
    if (header && !badge) {
      badge = doc.createElement("a");
      badge.className = "offline-badge";
      badge.hidden = true;
      badge.href = doc.querySelector('header a[href="/my"]') ? "/my#offline-queue" : "/offline";
      header.insertBefore(badge, header.querySelector(".langs"));
    }
    var main = doc.querySelector("main");
    if (main && !live) {
      live = doc.createElement("div");
      live.className = "offline-live";
      live.setAttribute("role", "status");
      main.insertBefore(live, main.firstChild);
      var key = sessionStorage.getItem("observer.note");
      if (key) { sessionStorage.removeItem("observer.note"); live.textContent = T(key); live.classList.add("flash", key === "offline.sent" ? "ok" : "warn"); }
    }
  }
  function panelHost(recs) {
    var host = doc.querySelector("[data-offline-queue]");
    if (host || location.pathname !== "/my" || !recs.length) return host;
    host = doc.createElement("section");
    host.id = "offline-queue";
    host.className = "offline-queue";
    host.setAttribute("data-offline-queue", "");
    host.setAttribute("aria-labelledby", "offline-queue-title");
    var h = doc.createElement("h2");
    h.id = "offline-queue-title";
    h.textContent = T("offline.panel.title");
    host.appendChild(h);
    var main = doc.querySelector("main"), h1 = main && main.querySelector("h1");
    if (h1) h1.insertAdjacentElement("afterend", host); else if (main) main.appendChild(host);
    return host;
  }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function item(r) {
    var li = el("li", "offline-item");
    li.setAttribute("data-status", r.status);
    li.setAttribute("data-client-id", r.id);
    var head = el("div", "offline-item-head");
    head.appendChild(el("strong", "", r.title || T("offline.kind." + r.kind)));
    var st = r.status === "other_user" ? "other_user" : r.status;
    head.appendChild(el("span", "badge offline-" + r.status, T("offline.status." + st)));
    li.appendChild(head);
    var bits = [T("offline.kind." + r.kind)];
    if (r.station) bits.push(r.station);
    if (r.category) bits.push(r.category);
    bits.push(r.sent ? T("offline.sent_at", { Time: clock(r.sent) }) : T("offline.saved_at", { Time: clock(r.created) }));
    if (r.files.length) bits.push(T("offline.files", { Count: r.files.length }));
    if (r.status !== "sent" && r.attempts) bits.push(T("offline.attempts", { Count: r.attempts }));
    if (r.status === "waiting" && r.next > Date.now()) bits.push(T("offline.next_try", { Time: clock(r.next) }));
    li.appendChild(el("div", "muted", bits.join(" · ")));
    if (r.error && r.status !== "sent") li.appendChild(el("div", r.status === "failed" ? "field-error" : "muted", r.error));
    var acts = el("div", "actions");
    if (r.status === "sent" && r.done) {
      var a = el("a", "button secondary", T("offline.open"));
      a.href = r.done;
      acts.appendChild(a);
    }
    if (r.status === "failed" && r.from) {
      var fix = el("a", "button", T("offline.fix"));
      fix.href = r.from + (r.from.indexOf("?") >= 0 ? "&" : "?") + "offline_restore=" + encodeURIComponent(r.id);
      acts.appendChild(fix);
    }
    if (r.status !== "sent" && r.status !== "failed") {
      var retry = el("button", "", T("offline.retry"));
      retry.type = "button";
      retry.setAttribute("data-offline-act", "retry");
      acts.appendChild(retry);
    }
    if (r.status !== "sent") {
      var rm = el("button", "secondary", T("offline.remove"));
      rm.type = "button";
      rm.setAttribute("data-offline-act", "remove");
      rm.setAttribute("data-id", r.id);
      acts.appendChild(rm);
    }
    if (acts.children.length) li.appendChild(acts);
    return li;
  }
  function refresh() {
    return all().then(function (recs) {
      var now = Date.now();
      var old = recs.filter(function (r) { return r.status === "sent" && now - r.sent > KEEP_SENT_MS; });
      old.forEach(function (r) { del(r.id); });
      recs = recs.filter(function (r) { return old.indexOf(r) < 0; }).sort(function (a, b) { return b.created - a.created; });
      ui();
      var waiting = recs.filter(function (r) { return r.status !== "sent" && r.status !== "failed"; }).length;
      var failed = recs.filter(function (r) { return r.status === "failed"; }).length;
      if (badge) {
        var parts = [];
        if (!navigator.onLine) parts.push(T("offline.badge.offline"));
        if (waiting) parts.push(T("offline.badge.waiting", { Count: waiting }));
        if (failed) parts.push(T("offline.badge.failed", { Count: failed }));
        badge.textContent = parts.join(" · ");
        badge.hidden = !parts.length;
        badge.classList.toggle("bad", failed > 0);
      }
      var host = panelHost(recs);
      if (!host) return;
      var body = host.querySelector(".offline-body") || host.appendChild(el("div", "offline-body"));
      body.textContent = "";
      body.appendChild(el("p", "muted", T(recs.length && waiting ? "offline.panel.help" : "offline.panel.empty")));
      if (recs.length) {
        var ul = el("ul", "list");
        recs.forEach(function (r) { ul.appendChild(item(r)); });
        body.appendChild(ul);
      }
    });
  }

  doc.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-offline-act]");
    if (!b) return;
    var li = b.closest("[data-client-id]");
    var id = li && li.getAttribute("data-client-id");
    if (!id) return;
    if (b.getAttribute("data-offline-act") === "remove") {
      if (window.confirm(T("offline.remove_confirm"))) del(id).then(refresh);
    } else {
      b.disabled = true;
      flush(true);
    }
  });

  doc.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute && form.getAttribute("action") === "/logout") return onLogout(e, form);
    onSubmit(e);
  });

  var logoutOK = false;
  function onLogout(e, form) {
    if (logoutOK) return;
    e.preventDefault();
    all().then(function (recs) {
      var n = recs.filter(function (r) { return r.status !== "sent" && r.status !== "failed"; }).length;
      if (n && !window.confirm(T("offline.logout_confirm", { Count: n }))) return;
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "forget" });
      LS.setItem("observer.user", "0");
      logoutOK = true;
      HTMLFormElement.prototype.submit.call(form);
    }, function () { logoutOK = true; HTMLFormElement.prototype.submit.call(form); });
  }

  window.addEventListener("online", function () { refresh(); flush(true); });
  window.addEventListener("offline", function () { refresh(); });
  doc.addEventListener("visibilitychange", function () { if (doc.visibilityState === "visible") flush(false); });

  // ---- the service worker, and the observer's forms kept ready for a lost signal
  function registerWorker() {
    if (!navigator.serviceWorker || !window.isSecureContext) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (!doc.querySelector('header a[href="/my"]') || !navigator.onLine || !reg.active) return;
      var last = parseInt(sessionStorage.getItem("observer.warmed") || "0", 10);
      if (Date.now() - last < 10 * 60 * 1000) return;
      sessionStorage.setItem("observer.warmed", String(Date.now()));
      var urls = ["/my", "/offline", "/incidents/new"];
      doc.querySelectorAll("a[href]").forEach(function (a) {
        var u = new URL(a.href, location.href);
        if (u.origin === location.origin && /^\/(my|observations\/new|incidents\/new)$/.test(u.pathname)) urls.push(u.pathname + u.search);
      });
      reg.active.postMessage({ type: "warm", urls: urls.filter(function (u, i) { return urls.indexOf(u) === i; }) });
    }).catch(function () {});
  }

  function start() {
    var used = usedIDs();
    var restoreID = new URLSearchParams(location.search).get("offline_restore");
    var forms = Array.prototype.filter.call(doc.forms, queueable);
    forms.forEach(function (f) { prepare(f, restoreID ? [] : used); });
    stringsReady.then(function () {
      fillStrings();
      if (restoreID && forms.length) {
        get(restoreID).then(function (rec) { if (rec) restore(forms[0], rec); });
      }
      return refresh();
    }).then(function () {
      if (navigator.onLine) return whoami();
    }).then(function () { return flush(false); }).catch(function () {});
    registerWorker();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})();
