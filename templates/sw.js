/* Tangguh service worker: keeps the app shell and the pages last seen for offline use, and sends the
   outbox when the connection returns (Background Sync). Rendered by the server: the file names below carry
   their content hash, so a new release installs a new cache. */
"use strict";
importScripts({{ asset_url("outbox.js")|tojson }});

var CACHE = "tangguh-{{ version }}";
var PRECACHE = {{ precache|tojson }};
var PAGES = ["/reports/new", "/incidents", "/konsultasi/baru"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(PRECACHE); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (cached) {
      return cached || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && PAGES.indexOf(url.pathname) !== -1) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (cached) {
        return cached || caches.match("/reports/new").then(function (form) {
          return form || new Response({{ offline_text|tojson }}, {
            status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
          });
        });
      });
    }));
  }
});

/* Web push: a new incident, an escalation, an answer on one's report. Nothing personal is in the payload. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Tangguh", {
    body: data.body || "", tag: data.tag, renotify: Boolean(data.tag), data: { url: data.url || "/incidents" },
    icon: {{ asset_url("icons/icon-192.png")|tojson }}
  }).then(function () {
    return self.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ type: "push", title: data.title, url: data.url }); });
    });
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/incidents";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (new URL(windows[i].url).pathname === url && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") { event.waitUntil(self.TangguhOutbox.flush()); }
});
