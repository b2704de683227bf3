// Offline queue: a form with a hidden client_id is saved on the phone (IndexedDB,
// files as Blobs) before it is sent, and sent again, automatically, until the
// server has it. The server is idempotent by client_id, so a replay never makes a
// second record. Without this file every form still posts normally.
// offline_ui.js draws the badge and the queue panel from window.observerOutbox.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch || !window.FormData || !window.Promise || !window.URL) return;

  var doc = document;
  var lang = doc.documentElement.lang || "en";
  var LS;
  try { LS = window.localStorage; LS.getItem("observer.user"); } catch (e) { return; } // storage off: plain forms
  var BACKOFF = [5, 15, 30, 60, 120, 300]; // seconds between automatic attempts
  var STALE_SENDING_MS = 2 * 60 * 1000;
  var MAX_SIDE = 1600;
  var dead = false; // set when this document is replaced by the server's answer

  // ---- strings: GET /offline/strings, kept in localStorage for starts without signal
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
    data = data || {};
    if (m && typeof m === "object") m = m[plural ? plural.select(data.Count) : (data.Count === 1 ? "one" : "other")] || m.other;
    if (typeof m !== "string") return "";
    return m.replace(/\{\{\s*\.(\w+)\s*\}\}/g, function (_, k) { return data[k] != null ? String(data[k]) : ""; });
  }

  // ---- IndexedDB: one store "outbox", keyed by client_id
  var dbp = null;
  function db() {
    dbp = dbp || new Promise(function (resolve, reject) {
      var req = indexedDB.open("observer-offline", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("outbox", { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbp;
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("outbox", mode);
        var req = fn(t.objectStore("outbox"));
        t.oncomplete = function () { resolve(req.result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function put(rec) { rec.updated = Date.now(); return tx("readwrite", function (s) { return s.put(rec); }).then(changed); }
  function get(id) { return tx("readonly", function (s) { return s.get(id); }); }
  function del(id) { return tx("readwrite", function (s) { return s.delete(id); }).then(changed); }
  function all() { return tx("readonly", function (s) { return s.getAll(); }).then(function (l) { return l || []; }); }
  function changed() { if (!dead) doc.dispatchEvent(new CustomEvent("observer:outbox")); }

  // ---- who is signed in, with which CSRF token (never cached)
  function whoami() {
    return fetch("/offline/state", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { noteEpoch(r); return r.ok ? r.json() : null; })
      .then(function (st) { if (st) LS.setItem("observer.user", String(st.user || 0)); return st; })
      .catch(function () { return null; });
  }

  // client_ids already queued from this phone: a page kept by the service worker
  // shows the same id every time it opens, so a reused one is replaced.
  function usedIDs() { try { return JSON.parse(LS.getItem("observer.used") || "[]"); } catch (e) { return []; } }
  function markUsed(id) {
    var l = usedIDs().filter(function (x) { return x !== id; });
    l.push(id);
    try { LS.setItem("observer.used", JSON.stringify(l.slice(-300))); } catch (e) { /* ignore */ }
  }
  function newID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  function queueable(form) {
    return !!form && form.tagName === "FORM" && (form.getAttribute("method") || "").toLowerCase() === "post" &&
      !!form.querySelector('input[name="client_id"]') && !form.hasAttribute("data-no-offline") &&
      actionOf(form).origin === location.origin;
  }
  // The attribute, not form.action: a control named "action" (the observation
  // form's buttons) shadows that property.
  function actionOf(form) { return new URL(form.getAttribute("action") || location.href, location.href); }
  function kindOf(path) {
    if (/^\/observations(\/|$)/.test(path)) return "observation";
    if (/^\/incidents(\/|$)/.test(path)) return "incident";
    return "form";
  }
  // "Check the figures" only asks the server; it saves nothing, so it is not queued.
  function onlineOnly(submitter) { return !!submitter && submitter.name === "action" && submitter.value === "check"; }

  // ---- photos: an optional downscale to ~1600 px JPEG before sending
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) return Promise.resolve(null);
    return createImageBitmap(file).then(function (img) {
      var k = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
      var c = doc.createElement("canvas");
      c.width = Math.round(img.width * k);
      c.height = Math.round(img.height * k);
      c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
      return new Promise(function (resolve) { c.toBlob(resolve, "image/jpeg", 0.85); });
    }).then(function (blob) { return blob && blob.size < file.size ? blob : null; }, function () { return null; });
  }

  // ---- what the server said, from its page
  function serverMessage(body) {
    var d = new DOMParser().parseFromString(body, "text/html");
    var box = d.querySelector("main .errors, main [role=alert]");
    var text = function (e) { return e.textContent; };
    // The parsed page is not laid out, so its text has no breaks: take it block by block.
    var parts = box ? Array.prototype.map.call(box.querySelectorAll("p, li"), text) : [];
    if (box && !parts.length) parts = [box.textContent];
    if (!box) parts = Array.prototype.map.call(d.querySelectorAll("main .field-error"), text);
    if (!parts.length && d.querySelector("main p")) parts = [d.querySelector("main p").textContent];
    return parts.join("; ").replace(/\s+/g, " ").trim().slice(0, 400);
  }
  function backoff(rec) { rec.next = Date.now() + 1000 * BACKOFF[Math.min(Math.max(rec.attempts, 1) - 1, BACKOFF.length - 1)]; }

  // send posts one saved submission and records the outcome: "sent" (the server
  // answered with its redirect), "wait" (no network, or the server is down: try
  // again later), "signin", or "failed" (the server answered with a page instead:
  // errors, a conflict, a refused file). res.resp and res.body are the answer.
  function send(rec, csrf) {
    var fd = new FormData();
    var recheck = rec.status === "recheck";
    // A re-check's files go to the record the server named when the record went
    // again (its id there), not with the record to the id the old server gave.
    var url = recheck && rec.phase === "files" && rec.filesTo ? rec.filesTo : rec.url;
    if (url === rec.url) rec.fields.forEach(function (f) { fd.append(f[0], f[1]); });
    fd.set("csrf", csrf || rec.csrf || "");
    if (!(recheck && rec.phase === "record")) {
      rec.files.forEach(function (f) {
        var small = rec.shrink && f.small;
        if (f.blob) fd.append(f.field, small ? f.small : f.blob, small ? f.smallName : f.name);
      });
    }
    var headers = { "X-CSRF-Token": csrf || rec.csrf || "" };
    if (recheck) headers["Observer-Resend"] = "1"; // the answer then names the record
    rec.status = "sending";
    rec.attempts = (rec.attempts || 0) + 1;
    var res = { outcome: "wait" };
    return put(rec).then(function () {
      return fetch(url, { method: "POST", body: fd, credentials: "same-origin", headers: headers });
    }).then(function (resp) {
      noteEpoch(resp);
      return resp.text().then(function (body) {
        var to = new URL(resp.url, location.href);
        res.resp = resp;
        res.body = body;
        rec.code = resp.status;
        if (resp.redirected && /^\/(login|account\/2fa)(\/|$)/.test(to.pathname)) {
          res.outcome = rec.status = "signin";
          rec.error = T("offline.error.signin");
        } else if (resp.redirected) {
          // Post/redirect/get: the redirect itself says the server kept it, even
          // if the page it leads to did not load.
          res.outcome = rec.status = "sent";
          rec.sent = Date.now();
          rec.done = to.pathname + to.search;
          rec.error = "";
          // The server has the files now; they stay on the phone within the budget
          // (trimKept) for 48 hours, in case the server is restored from a replica.
          if (recheck && rec.phase === "record" && kept(rec)) {
            // The record is back; its files follow once every record is, to the
            // incident this answer named.
            var m = /^\/incidents\/(\d+)(\/edit)?$/.exec(to.pathname);
            rec.filesTo = m ? "/incidents/" + m[1] + "/evidence" : "";
            res.outcome = rec.status = "recheck";
            rec.phase = "files";
            rec.next = Date.now() + SPREAD_MS / 6 + Math.random() * SPREAD_MS / 3;
          } else if (recheck) {
            rec.rechecked = Date.now();
            rec.phase = "";
            res.rechecked = true;
          }
          keepFresh();
        } else if (resp.status >= 500 || resp.status === 429 || resp.status === 408) {
          rec.status = "waiting";
          rec.error = T("offline.error.server", { Status: resp.status });
        } else {
          res.outcome = rec.status = "failed";
          var msg = serverMessage(body);
          rec.error = T("offline.error.rejected", { Status: resp.status }) + (msg ? " " + T("offline.server_said", { Message: msg }) : "");
        }
      });
    }, function () {
      rec.status = "waiting";
      rec.error = T("offline.error.network");
    }).then(function () {
      if (res.outcome === "wait" && recheck) {
        // A re-check that could not reach the server stays a re-check: it was
        // acknowledged once, and the observer has nothing to do about it.
        rec.status = "recheck";
        rec.error = "";
      }
      if (res.outcome === "wait") backoff(rec);
      return put(rec);
    }).then(trimKept).then(function () { return res; });
  }

  // ---- acknowledged submissions are kept 48 hours (their files within a budget),
  // and sent again when the server's epoch changes: it was restored from a replica
  // that may not have caught the last seconds before the loss. Each record is sent
  // again by its client_id (the server knows it, or takes it anew, maybe under a
  // new id), files after all records, to the id that record's answer named; spread
  // over three minutes so that thousands of phones do not arrive at once.
  var KEEP_MS = 48 * 3600 * 1000, FILE_BUDGET = 25 * 1024 * 1024, SPREAD_MS = 3 * 60 * 1000;
  function kept(r) { return r.files.some(function (f) { return !!f.blob; }); }
  function keptBytes(r) {
    return r.files.reduce(function (n, f) { return n + (f.blob ? f.blob.size + (f.small ? f.small.size : 0) : 0); }, 0);
  }
  // trimKept keeps the newest acknowledged files within FILE_BUDGET and 48 hours.
  function trimKept() {
    return all().then(function (recs) {
      var used = 0, now = Date.now(), work = [];
      recs.filter(function (r) { return (r.status === "sent" || r.status === "recheck") && kept(r); })
        .sort(function (a, b) { return (b.sent || 0) - (a.sent || 0); })
        .forEach(function (r) {
          used += keptBytes(r);
          if (used > FILE_BUDGET || now - (r.sent || 0) > KEEP_MS) {
            r.files = r.files.map(function (f) { return { field: f.field, name: f.name, size: f.size }; });
            if (r.phase === "files") { r.status = "sent"; r.phase = ""; }
            work.push(put(r));
          }
        });
      return Promise.all(work);
    });
  }
  function keptSummary() {
    return all().then(function (recs) {
      return recs.reduce(function (n, r) { return n + (r.status === "sent" || r.status === "recheck" ? keptBytes(r) : 0); }, 0);
    }).then(function (n) { return { used: n, budget: FILE_BUDGET }; });
  }
  var epochSeen = null;
  function noteEpoch(resp) {
    var e = resp && resp.headers && resp.headers.get("Observer-Epoch");
    if (!e || e === epochSeen) return;
    epochSeen = e;
    var old = LS.getItem("observer.epoch");
    LS.setItem("observer.epoch", e);
    if (old && old !== e) recheckAll();
  }
  function recheckAll() {
    return all().then(function (recs) {
      var now = Date.now();
      return Promise.all(recs.filter(function (r) { return r.status === "sent" && now - (r.sent || 0) < KEEP_MS; }).map(function (r) {
        r.status = "recheck";
        r.phase = "record";
        r.attempts = 0;
        r.next = now + Math.random() * SPREAD_MS;
        r.was = r.done; // where the old server put it: its id there, if it said
        r.filesTo = "";
        return put(r);
      }));
    }).then(function () { return schedule(); });
  }

  // Ids the old server gave (an incident's observation_id, an edit's address) may
  // name nothing on the new one: a record it lacked was taken anew under a new id.
  // A record that names such an id waits until every record of this phone has gone
  // again, then names the new id where the phone knows it.
  function idIn(path) {
    var m = /^\/(incidents|observations)\/(\d+)(\/|$)/.exec(path || "");
    return m ? { kind: m[1], id: m[2] } : null;
  }
  function namesID(r) {
    return !!idIn(r.url) || r.fields.some(function (f) { return f[0] === "observation_id" && !!f[1]; });
  }
  function idNow(recs, kind, id) {
    for (var i = 0; i < recs.length; i++) {
      var o = recs[i], was = idIn(o.was), now = idIn(o.done);
      var resent = !(o.status === "recheck" && o.phase === "record");
      if (resent && was && now && was.kind === kind && was.id === id) return now.id;
    }
    return id;
  }
  function renamed(r, recs) {
    var at = idIn(r.url);
    if (at) r.url = r.url.replace("/" + at.kind + "/" + at.id, "/" + at.kind + "/" + idNow(recs, at.kind, at.id));
    r.fields.forEach(function (f) { if (f[0] === "observation_id" && f[1]) f[1] = idNow(recs, "observations", f[1]); });
  }

  // keepFresh has the worker fetch My work again, so that the copy shown without a
  // signal lists what was just sent.
  function keepFresh() {
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (sw) sw.postMessage({ type: "warm", urls: ["/my"], force: true });
  }

  // ---- replay everything that waits, one tab at a time
  var flushing = null, timer = null;
  function flush(force) {
    if (flushing || dead) return flushing || Promise.resolve();
    var sent = 0, rechecked = 0;
    var run = function () {
      return all().then(function (recs) {
        var now = Date.now();
        var due = recs.filter(function (r) {
          if (r.status === "sending") return now - r.updated > STALE_SENDING_MS;
          if (r.status === "waiting") return force || !r.next || r.next <= now;
          if (r.status === "recheck") {
            return r.next <= now && !recs.some(function (o) {
              return o !== r && o.status === "recheck" && o.phase === "record" && (r.phase === "files" || (namesID(r) && !namesID(o)));
            });
          }
          return r.status === "signin" || r.status === "other_user";
        }).sort(function (a, b) { return (a.phase === "files") - (b.phase === "files"); });
        if (!due.length) return;
        return whoami().then(function (st) {
          return due.reduce(function (p, r) {
            return p.then(function () {
              if (!st && r.status === "recheck") { backoff(r); return put(r); }
              if (!st) { // still no connection
                r.status = "waiting";
                r.attempts = (r.attempts || 0) + 1;
                r.error = T("offline.error.network");
                backoff(r);
                return put(r);
              }
              // Only the account that filed it may send it.
              if (r.user && r.user !== st.user) {
                r.status = st.user ? "other_user" : "signin";
                r.error = st.user ? "" : T("offline.error.signin");
                return put(r);
              }
              if (r.status === "recheck" && r.phase === "record") renamed(r, recs);
              return send(r, st.csrf).then(function (res) {
                if (res.rechecked) rechecked++;
                else if (res.outcome === "sent") sent++;
              });
            });
          }, Promise.resolve());
        });
      });
    };
    var p = navigator.locks && navigator.locks.request ? navigator.locks.request("observer-outbox", run) : run();
    flushing = p.catch(function () {}).then(function () {
      flushing = null;
      // My work, opened from the phone's copy, does not list what just arrived:
      // load it again, unless the observer is typing.
      var typing = doc.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(doc.activeElement.tagName);
      if (sent && location.pathname === "/my" && !typing && !dead) {
        sessionStorage.setItem("observer.note", "offline.sent");
        location.reload();
      } else if (rechecked && !dead) {
        // All the observer hears of a restore: a short notice, once.
        sessionStorage.setItem("observer.note", "offline.rechecked");
        doc.dispatchEvent(new CustomEvent("observer:note"));
      }
      return schedule();
    });
    return flushing;
  }
  function schedule() {
    clearTimeout(timer);
    if (dead) return Promise.resolve();
    return all().then(function (recs) {
      var next = Infinity;
      recs.forEach(function (r) { if (r.status === "waiting" || r.status === "recheck") next = Math.min(next, r.next || 0); });
      if (next < Infinity) timer = setTimeout(function () { flush(false); }, Math.max(1000, next - Date.now()));
    });
  }

  // ---- submitting a form: keep a copy on the phone, then send it
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
  function plainSubmit(form, submitter) {
    // A disabled button would leave its name=value (draft or submit) out of the post.
    form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = false; });
    form.removeAttribute("aria-busy");
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
  function labelOf(form, name) {
    var el = form.querySelector('[name="' + name + '"]:checked') || form.querySelector('select[name="' + name + '"]');
    if (!el) return "";
    if (el.tagName === "SELECT") return el.value ? el.options[el.selectedIndex].text.trim() : "";
    return el.labels && el.labels[0] ? el.labels[0].textContent.replace(/\s+/g, " ").trim() : el.value;
  }

  function capture(form, submitter) {
    var fd = formData(form, submitter);
    var action = actionOf(form);
    var box = form.querySelector(".offline-shrink input");
    var h1 = doc.querySelector("main h1");
    var rec = {
      id: String(fd.get("client_id")), url: action.pathname + action.search, kind: kindOf(action.pathname),
      from: location.pathname + location.search, user: parseInt(LS.getItem("observer.user") || "0", 10) || 0,
      csrf: String(fd.get("csrf") || ""), title: h1 ? h1.textContent.replace(/\s+/g, " ").trim() : "",
      station: String(fd.get("station") || (form.querySelector("input[data-station-search]") || {}).value || ""),
      category: labelOf(form, "category"),
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

  // replace shows the server's answer as a plain POST would have: the page it
  // redirected to (with its message), or the form again with its errors.
  function replace(res, url) {
    dead = true;
    clearTimeout(timer);
    if (url) history.replaceState(null, "", url);
    doc.open();
    doc.write(res.body);
    doc.close();
  }

  function onSubmit(e) {
    var form = e.target;
    if (!queueable(form)) return;
    if (form.hasAttribute("data-offline-bypass")) { form.removeAttribute("data-offline-bypass"); return; }
    var submitter = e.submitter;
    if (e.defaultPrevented) return;
    if (onlineOnly(submitter)) {
      if (navigator.onLine) return;
      e.preventDefault();
      noteFor(form).textContent = T("offline.check_online");
      return;
    }
    e.preventDefault();
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
        // Ask the browser not to clear the outbox when the phone runs short of space
        // (asked here, when something is kept, as Firefox asks the person).
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
        var replaces = form.getAttribute("data-offline-replaces");
        if (replaces && replaces !== rec.id) return del(replaces);
      }, function () {
        rec = null; // no room on the phone: send it the ordinary way
      });
    }).then(function () {
      if (!rec) return plainSubmit(form, submitter);
      if (!navigator.onLine) return queued(rec, note);
      // The form's own token is usually fresh: no extra round trip before sending.
      // A page kept on the phone may carry an old one: then ask for the current.
      return send(rec, rec.csrf).then(function (res) {
        if (res.outcome !== "failed" || res.resp.status !== 403) return res;
        return whoami().then(function (st) { return st && st.csrf && st.csrf !== rec.csrf ? send(rec, st.csrf) : res; });
      }).then(function (res) {
        if (res.outcome === "sent") return replace(res, res.resp.url);
        if (res.outcome === "signin") return location.assign("/login?next=" + encodeURIComponent(rec.from));
        if (res.outcome === "failed") {
          // The observer is here to read it and correct the form: the copy goes.
          return del(rec.id).then(function () { replace(res); });
        }
        return queued(rec, note);
      });
    }).catch(function () {
      plainSubmit(form, submitter);
    });
  }

  function myPage() { return doc.querySelector('header a[href="/my"]') ? "/my" : "/offline"; }
  function queued(rec, note) {
    note.textContent = T("offline.queued");
    sessionStorage.setItem("observer.note", "offline.queued");
    var saved = Promise.resolve();
    if (rec.status === "sending") {
      rec.status = "waiting";
      rec.error = T("offline.error.network");
      backoff(rec);
      saved = put(rec);
    }
    return saved.then(schedule).then(function () {
      setTimeout(function () { location.assign(myPage()); }, 1200);
    });
  }

  doc.addEventListener("submit", function (e) {
    if (e.target.getAttribute && e.target.getAttribute("action") === "/logout") return onLogout(e, e.target);
    onSubmit(e);
  });

  var logoutOK = false;
  function onLogout(e, form) {
    if (logoutOK) return;
    e.preventDefault();
    var go = function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "forget" });
      LS.setItem("observer.user", "0");
      logoutOK = true;
      HTMLFormElement.prototype.submit.call(form);
    };
    all().then(function (recs) {
      var n = recs.filter(function (r) { return r.status !== "sent" && r.status !== "failed"; }).length;
      if (!n || window.confirm(T("offline.logout_confirm", { Count: n }))) go();
    }, go);
  }

  window.addEventListener("online", function () { changed(); flush(true); });
  window.addEventListener("offline", changed);
  doc.addEventListener("visibilitychange", function () { if (doc.visibilityState === "visible") flush(false); });

  // ---- forms on load: fresh ids for forms kept on the phone
  function prepare(form, used) {
    var id = form.querySelector('input[name="client_id"]');
    if (id && used.indexOf(id.value) >= 0) {
      form.querySelectorAll('input[type=hidden][name$="client_id"]').forEach(function (el) { el.value = newID(); });
    }
  }

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

  window.observerOutbox = {
    T: T, ready: stringsReady, all: all, get: get, del: del, flush: flush, newID: newID,
    queueable: queueable, noteFor: noteFor, kept: keptSummary
  };

  function start() {
    var used = new URLSearchParams(location.search).get("offline_restore") ? [] : usedIDs();
    Array.prototype.filter.call(doc.forms, queueable).forEach(function (f) { prepare(f, used); });
    var ui = doc.createElement("script");
    ui.src = "/static/js/offline_ui.js";
    doc.head.appendChild(ui);
    stringsReady.then(function () { return navigator.onLine ? whoami() : null; })
      .then(function () { return flush(false); }).catch(function () {});
    registerWorker();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})();
