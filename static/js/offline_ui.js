// What the observer sees of the offline queue (static/js/offline.js): a badge in
// the header of every page, the list of saved submissions on /my and /offline, the
// "make photos smaller" choice next to file fields, and a refused submission
// reopened in its form to correct.
(function () {
  "use strict";
  var box = window.observerOutbox;
  if (!box) return;
  var doc = document, T = box.T, lang = doc.documentElement.lang || "en";
  var LS = window.localStorage;
  var KEEP_SENT_MS = 3 * 24 * 3600 * 1000;

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function clock(ms) {
    try { return new Date(ms).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }); } catch (e) { return new Date(ms).toTimeString().slice(0, 5); }
  }
  // A re-check (the server was restored; offline.js sends acknowledged submissions
  // again) is not the observer's business: it shows as sent.
  function pending(r) { return r.status !== "sent" && r.status !== "failed" && r.status !== "recheck"; }
  function shownStatus(r) { return r.status === "recheck" ? "sent" : r.status; }

  // ---- "make photos smaller before sending", remembered on the phone
  function shrinkChoice(form) {
    form.querySelectorAll("input[type=file]").forEach(function (input, i) {
      if (input.parentNode.querySelector(".offline-shrink")) return;
      var wrap = el("div", "offline-shrink");
      var check = el("input");
      check.type = "checkbox";
      check.id = "offline-shrink-" + i;
      check.checked = LS.getItem("observer.shrink") === "1";
      check.addEventListener("change", function () { LS.setItem("observer.shrink", check.checked ? "1" : "0"); });
      var label = el("label");
      label.htmlFor = check.id;
      label.appendChild(el("span", "", T("offline.shrink")));
      label.appendChild(el("span", "hint", T("offline.shrink_hint")));
      wrap.appendChild(check);
      wrap.appendChild(label);
      input.insertAdjacentElement("afterend", wrap);
    });
  }

  // A form kept by the worker shows the time it was saved as "now": an untouched
  // time field of a copy older than ten minutes gets the phone's time.
  function freshenTimes(form) {
    var inputs = form.querySelectorAll("input[type=datetime-local]");
    if (!inputs.length || !window.caches) return;
    caches.match(location.href).then(function (hit) {
      var at = hit && Date.parse(hit.headers.get("Date") || "");
      if (!at || Date.now() - at < 10 * 60 * 1000) return;
      return hit.text().then(function (html) {
        var id = form.querySelector('input[name="client_id"]');
        if (!id || html.indexOf(id.defaultValue) < 0) return; // this page came from the network
        var d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
        inputs.forEach(function (el) { if (el.value && el.value === el.defaultValue) el.value = d; });
      });
    }).catch(function () {});
  }

  // presets applies what the link asked for (?station=, ?category=, ?observation=)
  // when the worker stood in a kept copy of the form made for other ones.
  function presets(form, q) {
    var station = q.get("station"), category = q.get("category"), obs = q.get("observation");
    var radios = form.querySelectorAll('input[type=radio][name="station"]');
    if (station && radios.length && !form.querySelector('input[name="station"]:checked[value="' + station + '"]')) {
      var mine = Array.prototype.filter.call(radios, function (r) { return r.value === station; })[0];
      var other = form.querySelector("input[data-station-other]");
      var typed = form.querySelector("input[data-station-search]");
      if (mine) mine.checked = true;
      else if (other && typed) { other.checked = true; typed.value = station; }
    } else if (station && !radios.length) {
      var field = form.querySelector('input[type=text][name="station"]');
      if (field && !field.value) field.value = station;
    }
    var cat = form.querySelector('select[name="category"]');
    if (category && cat && cat.value !== category && cat.querySelector('option[value="' + category + '"]')) cat.value = category;
    if (obs && /^\d+$/.test(obs) && !form.querySelector('input[name="observation_id"]')) {
      var hidden = el("input");
      hidden.type = "hidden";
      hidden.name = "observation_id";
      hidden.value = obs;
      form.appendChild(hidden);
    }
  }

  // ---- a refused submission, back in its form with the server's reason
  function restore(form, rec) {
    rec.fields.forEach(function (f) {
      form.querySelectorAll('[name="' + f[0] + '"]').forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === f[1];
        else if (input.type !== "file" && input.type !== "submit" && input.name !== "csrf" && input.tagName !== "BUTTON") input.value = f[1];
      });
    });
    if (window.DataTransfer) {
      var byField = {};
      rec.files.forEach(function (f) {
        if (f.blob) (byField[f.field] = byField[f.field] || []).push(new File([f.blob], f.name, { type: f.type }));
      });
      Object.keys(byField).forEach(function (name) {
        var input = form.querySelector('input[type=file][name="' + name + '"]');
        if (!input) return;
        var dt = new DataTransfer();
        byField[name].forEach(function (f) { dt.items.add(f); });
        try { input.files = dt.files; } catch (e) { /* an older browser: pick the files again */ }
      });
    }
    if (rec.code === 409) {
      // The server holds something else under this id: the corrected form is new.
      form.querySelector('input[name="client_id"]').value = box.newID();
      form.setAttribute("data-offline-replaces", rec.id);
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
    var n = box.noteFor(form);
    n.textContent = rec.error;
    n.classList.add("error");
    form.insertBefore(n, form.firstChild);
  }

  // ---- the badge and the one-time message after a redirect
  var badge = null;
  var header = doc.querySelector("header.top");
  if (header) {
    badge = el("a", "offline-badge");
    badge.hidden = true;
    badge.href = doc.querySelector('header a[href="/my"]') ? "/my#offline-queue" : "/offline";
    header.insertBefore(badge, header.querySelector(".langs"));
  }
  var main = doc.querySelector("main");
  function oneTimeNote() {
    var note = sessionStorage.getItem("observer.note");
    if (!main || !note) return;
    sessionStorage.removeItem("observer.note");
    var live = el("div", "flash " + (note === "offline.queued" ? "warn offline-queued-note" : "ok"), T(note));
    live.setAttribute("role", "status");
    main.insertBefore(live, main.firstChild);
  }

  // ---- the panel: on /my when anything was saved on the phone, always on /offline.
  // On /my it comes first while something waits or was refused, and goes below the
  // observer's own buttons once everything is sent.
  function panelHost(recs, urgent) {
    var host = doc.querySelector("[data-offline-queue]");
    if (host && host.hasAttribute("data-offline-made")) place(host, urgent);
    if (host || location.pathname !== "/my" || !recs.length || !main) return host;
    host = el("section", "offline-queue");
    host.setAttribute("data-offline-made", "");
    host.id = "offline-queue";
    host.setAttribute("data-offline-queue", "");
    host.setAttribute("aria-labelledby", "offline-queue-title");
    var h = el("h2", "", T("offline.panel.title"));
    h.id = "offline-queue-title";
    host.appendChild(h);
    place(host, urgent);
    return host;
  }
  function place(host, urgent) {
    var h1 = main.querySelector("h1");
    if (urgent && h1) { if (h1.nextElementSibling !== host) h1.insertAdjacentElement("afterend", host); }
    else if (!urgent && main.lastElementChild !== host) main.appendChild(host);
  }
  function button(label, act, cls) {
    var b = el("button", cls || "", label);
    b.type = "button";
    b.setAttribute("data-offline-act", act);
    return b;
  }
  function item(r) {
    var li = el("li", "offline-item");
    li.setAttribute("data-status", r.status);
    li.setAttribute("data-client-id", r.id);
    var head = el("div", "offline-item-head");
    var title = el(r.status === "sent" && r.done ? "a" : "strong", "", r.title || T("offline.kind." + r.kind));
    if (r.status === "sent" && r.done) title.href = r.done;
    head.appendChild(title);
    head.appendChild(el("span", "badge offline-" + shownStatus(r), T("offline.status." + shownStatus(r))));
    li.appendChild(head);
    var bits = [T("offline.kind." + r.kind)];
    if (r.station) bits.push(r.station);
    if (r.category) bits.push(r.category);
    bits.push(r.sent ? T("offline.sent_at", { Time: clock(r.sent) }) : T("offline.saved_at", { Time: clock(r.created) }));
    if (r.files.length) bits.push(T("offline.files", { Count: r.files.length }));
    if (pending(r) && r.attempts) bits.push(T("offline.attempts", { Count: r.attempts }));
    if (r.status === "waiting" && r.next > Date.now()) bits.push(T("offline.next_try", { Time: clock(r.next) }));
    li.appendChild(el("div", "muted", bits.join(" · ")));
    if (r.error && r.status !== "sent" && r.status !== "recheck") li.appendChild(el("div", r.status === "failed" ? "field-error" : "muted", r.error));
    var acts = el("div", "actions");
    if (r.status === "failed" && r.from) {
      var fix = el("a", "button", T("offline.fix"));
      fix.href = r.from + (r.from.indexOf("?") >= 0 ? "&" : "?") + "offline_restore=" + encodeURIComponent(r.id);
      acts.appendChild(fix);
    }
    if (pending(r)) acts.appendChild(button(T("offline.retry"), "retry"));
    if (r.status !== "sent" && r.status !== "recheck") acts.appendChild(button(T("offline.remove"), "remove", "secondary"));
    if (acts.children.length) li.appendChild(acts);
    return li;
  }

  function list(recs) {
    var ul = el("ul", "list");
    recs.forEach(function (r) { ul.appendChild(item(r)); });
    return ul;
  }

  // ---- the station and the phase, kept in sight while the form scrolls
  function contextStrip(form) {
    var strip = el("div", "context");
    strip.setAttribute("aria-hidden", "true"); // the form itself says it to a screen reader
    main.parentNode.insertBefore(strip, main);
    var update = function () {
      var st = form.querySelector('input[name="station"]:checked');
      var station = st && st.value ? (st.closest("label") || st).querySelector("strong") : null;
      var text = station ? station.textContent : "";
      if (!text) {
        var typed = form.querySelector('input[type=text][name^="station"], input[data-station-search]');
        text = typed && typed.value ? typed.value.split(/\s/)[0] : "";
      }
      if (!text && form.querySelector(".card strong")) text = form.querySelector(".card strong").textContent;
      var ph = form.querySelector('input[name="phase"]:checked');
      var phase = ph && ph.labels && ph.labels[0] ? ph.labels[0].textContent.trim() : "";
      var h1 = doc.querySelector("main h1");
      strip.textContent = (text || "—") + " · " + (phase || (h1 ? h1.textContent.trim() : ""));
    };
    update();
    form.addEventListener("change", update);
    form.addEventListener("input", update);
  }

  // offline.js shows the server's answer by writing it over this document: what
  // this copy of the script still has to do (a refresh it had queued) belongs to
  // the page that is gone, and must not reach into the new one (it would move the
  // new page's panel into the old, detached <main>).
  function gone() { return !!main && !main.isConnected; }

  function refresh() {
    if (gone()) return Promise.resolve();
    return box.all().then(function (recs) {
      if (gone()) return;
      var now = Date.now();
      recs = recs.filter(function (r) {
        if ((r.status === "sent" || r.status === "recheck") && now - r.sent > KEEP_SENT_MS) { box.del(r.id); return false; }
        return true;
      }).sort(function (a, b) { return b.created - a.created; });
      var waiting = recs.filter(pending).length;
      var failed = recs.filter(function (r) { return r.status === "failed"; }).length;
      // "Saved on this phone, will be sent" is over once nothing waits.
      var queuedNote = doc.querySelector(".offline-queued-note");
      if (queuedNote && !waiting) queuedNote.remove();
      if (badge) {
        var parts = [];
        if (!navigator.onLine) parts.push(T("offline.badge.offline"));
        if (waiting) parts.push(T("offline.badge.waiting", { Count: waiting }));
        if (failed) parts.push(T("offline.badge.failed", { Count: failed }));
        badge.textContent = parts.join(" · ");
        badge.hidden = !parts.length;
        badge.classList.toggle("bad", failed > 0);
      }
      var host = panelHost(recs, waiting + failed > 0);
      if (!host) return;
      var body = host.querySelector(".offline-body") || host.appendChild(el("div", "offline-body"));
      var wasOpen = !!body.querySelector("details[open]");
      body.textContent = "";
      body.appendChild(el("p", "muted", T(waiting ? "offline.panel.help" : failed ? "offline.panel.failed_help" : "offline.panel.empty")));
      // Waiting and refused ones first and in full; the sent ones folded away.
      var open = recs.filter(function (r) { return r.status !== "sent" && r.status !== "recheck"; });
      var sent = recs.filter(function (r) { return r.status === "sent" || r.status === "recheck"; });
      if (open.length) body.appendChild(list(open));
      if (sent.length) {
        var det = el("details", "offline-sent");
        det.open = wasOpen;
        det.appendChild(el("summary", "", T("offline.panel.sent", { Count: sent.length })));
        det.appendChild(list(sent));
        var keptNote = det.appendChild(el("p", "muted offline-kept", ""));
        if (box.kept) box.kept().then(function (k) {
          keptNote.textContent = T("offline.kept", { MB: (k.used / 1048576).toFixed(1), Budget: Math.round(k.budget / 1048576) });
        });
        body.appendChild(det);
      }
    });
  }
  var pendingRefresh = null;
  function later() {
    clearTimeout(pendingRefresh);
    if (gone()) return;
    pendingRefresh = setTimeout(refresh, 50);
  }

  doc.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-offline-act]");
    var li = b && b.closest("[data-client-id]");
    if (!li) return;
    var id = li.getAttribute("data-client-id");
    if (b.getAttribute("data-offline-act") === "remove") {
      if (window.confirm(T("offline.remove_confirm"))) box.del(id);
    } else {
      b.disabled = true;
      box.flush(true);
    }
  });
  doc.addEventListener("observer:outbox", later);
  doc.addEventListener("observer:note", oneTimeNote);
  window.addEventListener("online", later);
  window.addEventListener("offline", later);

  box.ready.then(function () {
    oneTimeNote();
    var forms = Array.prototype.filter.call(doc.forms, box.queueable);
    forms.forEach(shrinkChoice);
    forms.forEach(freshenTimes);
    var q = new URLSearchParams(location.search);
    forms.forEach(function (f) { presets(f, q); });
    var picked = forms.filter(function (f) { return f.querySelector('[name^="station"], .card strong'); })[0];
    if (picked && main) contextStrip(picked);
    var restoreID = new URLSearchParams(location.search).get("offline_restore");
    if (restoreID && forms.length) box.get(restoreID).then(function (rec) { if (rec) restore(forms[0], rec); });
    return refresh();
  }).catch(function () {});
})();
