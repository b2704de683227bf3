// Station picker: suggests stations while one types a code or a name. Progressive
// enhancement only: without it the field takes a code and the server resolves it.
// A field with data-station-multi holds several codes; the last one is searched.
(function () {
  "use strict";
  if (window.stationPickerReady) {
    return; // the script is included once per picker on the page
  }
  window.stationPickerReady = true;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var picker = input.closest("[data-station-picker]");
    var other = picker ? picker.querySelector("[data-station-other]") : null;
    var multi = input.hasAttribute("data-station-multi");
    var timer = null;
    var last = "";
    if (!list) {
      return;
    }
    // Without this script the hint asks for a code; searching by name or address is ours.
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    var hint = label ? label.querySelector("[data-search-hint]") : null;
    if (hint) {
      hint.textContent = hint.getAttribute("data-search-hint");
    }
    input.addEventListener("input", function () {
      if (other && input.value.trim() !== "") {
        other.checked = true;
      }
      var head = "";
      var q = input.value;
      if (multi) {
        var m = /^(.*[\s;,])?([^\s;,]*)$/.exec(q);
        head = (m && m[1]) || "";
        q = (m && m[2]) || "";
      }
      q = q.trim();
      clearTimeout(timer);
      if (q === "" || q === last) {
        return;
      }
      timer = setTimeout(function () {
        last = q;
        fetch("/stations/search?q=" + encodeURIComponent(q), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (r) {
          return r.ok ? r.json() : [];
        }).then(function (items) {
          list.textContent = "";
          items.forEach(function (it) {
            var o = document.createElement("option");
            o.value = head + it.code;
            o.textContent = it.code + " — " + [it.name, it.district, it.region].filter(Boolean).join(", ");
            list.appendChild(o);
          });
        }).catch(function () { /* offline: typing a code still works */ });
      }, 200);
    });
  }

  function init() {
    document.querySelectorAll("input[data-station-search]").forEach(attach);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
