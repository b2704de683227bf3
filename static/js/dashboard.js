// Dashboard auto-refresh: progressive enhancement only. Without JavaScript the page
// is complete and the filter form still works; with it, a coordinator may ask for
// the figures to be fetched again every minute (remembered in this browser).
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var toggle = document.querySelector("[data-refresh-toggle]");
  if (!root || !toggle || !window.fetch || !window.DOMParser) { return; }
  var box = toggle.querySelector("input");
  var key = "observer.dashboard.refresh";
  var seconds = parseInt(root.getAttribute("data-refresh"), 10) || 60;
  var timer = null;
  toggle.hidden = false;
  try { box.checked = window.localStorage.getItem(key) === "1"; } catch (e) { /* storage off */ }

  function schedule() {
    window.clearTimeout(timer);
    if (box.checked) { timer = window.setTimeout(refresh, seconds * 1000); }
  }
  // Only the figures are replaced: the filter form keeps whatever is being typed.
  function refresh() {
    if (document.hidden) { schedule(); return; }
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("dashboard");
        if (!fresh) { return; }
        var form = root.querySelector("form.filters");
        Array.prototype.forEach.call(fresh.children, function (el) {
          if (!el.matches("form.filters")) { return; }
          fresh.replaceChild(form, el);
        });
        while (root.firstChild) { root.removeChild(root.firstChild); }
        while (fresh.firstChild) { root.appendChild(fresh.firstChild); }
      })
      .catch(function () { /* keep the figures shown; try again next time */ })
      .then(schedule);
  }
  box.addEventListener("change", function () {
    try { window.localStorage.setItem(key, box.checked ? "1" : "0"); } catch (e) { /* storage off */ }
    schedule();
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden && box.checked) { refresh(); } });
  schedule();
})();
