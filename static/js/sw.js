// Service worker: keeps the observer's own pages and the static files on the phone,
// so the forms open with a weak signal or none. Served at /sw.js (root scope).
// Submissions are not handled here: static/js/offline.js queues them in IndexedDB.
"use strict";

var VERSION = "observer-v1";
var STATIC = VERSION + "-static";
var PAGES = VERSION + "-pages";

// Each file on its own: one missing file must not stop the worker from installing.
var PRECACHE = ["/static/css/app.css", "/static/js/app.js", "/static/js/offline.js", "/static/js/offline_ui.js",
  "/static/js/station_picker.js",
  "/static/img/icon.svg"];

// Only the observer's own forms and list are kept: never the coordinators' pages,
// the API, or anyone else's records.
var PAGE_PATHS = [/^\/my$/, /^\/observations\/new$/, /^\/incidents\/new$/, /^\/offline$/];

// How long a page load waits for the network before showing the saved copy (the
// network answer still refreshes the copy when it comes).
var NETWORK_WAIT_MS = 6000;

// A kept form younger than this is not fetched again when the pages ask for it to
// be kept ready (saves a weak, metered connection).
var WARM_FRESH_MS = 30 * 60 * 1000;

function cacheablePage(url) {
  return url.origin === self.location.origin && PAGE_PATHS.some(function (re) { return re.test(url.pathname); });
}

// A response worth keeping: a real 200 page for exactly the URL asked, not a
// redirect to the sign-in page.
function keepable(resp, url) {
  return resp && resp.ok && resp.status === 200 && resp.type === "basic" && !resp.redirected &&
    new URL(resp.url).pathname === url.pathname;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (c) {
    return Promise.all(PRECACHE.map(function (u) { return c.add(u).catch(function () {}); }));
  }).then(function () {
    return caches.open(PAGES).then(function (c) {
      return fetch("/offline", { credentials: "same-origin" }).then(function (r) {
        if (r.ok) return c.put("/offline", r);
      }).catch(function () {});
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(VERSION) !== 0; }).map(function (k) {
      return caches.delete(k);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function staleWhileRevalidate(event, cacheName) {
  var req = event.request;
  return caches.open(cacheName).then(function (cache) {
    return cache.match(req).then(function (hit) {
      var fresh = fetch(req).then(function (resp) {
        if (resp.ok && resp.type === "basic") cache.put(req, resp.clone());
        return resp;
      });
      if (hit) {
        event.waitUntil(fresh.catch(function () {}));
        return hit;
      }
      return fresh;
    });
  });
}

// closest finds a kept copy of the same form for other presets (station,
// category): offline.js applies the asked ones. A form of another phase is never
// a stand-in: its questions are different.
function closest(cache, url) {
  return cache.keys().then(function (reqs) {
    var best = null, score = -1;
    reqs.forEach(function (r) {
      var u = new URL(r.url);
      if (u.pathname !== url.pathname) return;
      if (url.searchParams.get("phase") !== u.searchParams.get("phase")) return;
      var s = 0;
      url.searchParams.forEach(function (v, k) { if (u.searchParams.get(k) === v) s++; });
      u.searchParams.forEach(function (v, k) { if (!url.searchParams.has(k)) s -= 0.5; });
      if (s > score) { best = r; score = s; }
    });
    return best ? cache.match(best) : null;
  });
}

function fallbackPage(url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url.href).then(function (hit) {
      return hit || closest(cache, url);
    }).then(function (hit) {
      return hit || cache.match("/offline");
    });
  }).then(function (hit) {
    return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}

function networkFirst(event, url) {
  var req = event.request;
  var network = fetch(req).then(function (resp) {
    if (keepable(resp, url)) {
      var copy = resp.clone();
      event.waitUntil(caches.open(PAGES).then(function (c) { return c.put(url.href, copy); }));
    }
    return resp;
  });
  event.waitUntil(network.catch(function () {}));
  return new Promise(function (resolve) {
    var done = false;
    function settle(r) { if (!done) { done = true; resolve(r); } }
    var timer = setTimeout(function () {
      caches.open(PAGES).then(function (c) { return c.match(url.href); }).then(function (hit) {
        if (hit) settle(hit);
      });
    }, NETWORK_WAIT_MS);
    network.then(function (resp) {
      clearTimeout(timer);
      settle(resp);
    }, function () {
      clearTimeout(timer);
      fallbackPage(url).then(settle);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/offline/strings") {
    event.respondWith(staleWhileRevalidate(event, STATIC));
    return;
  }
  if (req.mode !== "navigate") return;
  if (cacheablePage(url)) {
    event.respondWith(networkFirst(event, url));
    return;
  }
  event.respondWith(fetch(req).catch(function () { return fallbackPage(url); }));
});

// Messages from offline.js: "warm" keeps the observer's forms ready before the
// signal goes; "forget" drops the saved pages when someone signs out.
self.addEventListener("message", function (event) {
  var msg = event.data || {};
  if (msg.type === "warm" && Array.isArray(msg.urls)) {
    event.waitUntil(caches.open(PAGES).then(function (cache) {
      return Promise.all(msg.urls.map(function (u) {
        var url = new URL(u, self.location.origin);
        if (!cacheablePage(url)) return null;
        return cache.match(url.href).then(function (hit) {
          var at = hit && Date.parse(hit.headers.get("Date") || "");
          // /offline was kept at install, perhaps before sign-in: always renew it.
          if (at && !msg.force && Date.now() - at < WARM_FRESH_MS && url.pathname !== "/offline") return;
          return fetch(url.href, { credentials: "same-origin" }).then(function (resp) {
            if (keepable(resp, url)) return cache.put(url.href, resp);
          });
        }).catch(function () {});
      }));
    }));
  } else if (msg.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  }
});
