/* Tangguh service worker: keeps the app shell and the pages last seen for offline use, and sends the
   outbox when the connection returns (Background Sync). Rendered by the server: the file names below carry
   their content hash, so a new release installs a new cache. */
"use strict";
importScripts({{ asset_url("outbox.js")|tojson }});

var CACHE = "tangguh-{{ version }}";
var PRECACHE = {{ precache|tojson }};
var PAGES = ["/reports/new", "/incidents", "/konsultasi/baru"];
var OFFLINE_PAGE = {{ offline_page|tojson }};
var OFFLINE_NOTICE = {{ offline_notice|tojson }};
var SENT_WORDS = {{ sent|tojson }};

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
      return caches.match(url.pathname).then(function (cached) { return cached ? kept(cached) : offline(); });
    }));
  }
});

/* A page kept from an earlier visit, served offline: it says so at the top, so nobody takes it for the news. */
function kept(cached) {
  return cached.text().then(function (html) {
    var note = "<p class=\"flash error offline-note\" role=\"status\">" + OFFLINE_NOTICE + "</p>";
    return new Response(html.replace(/<main[^>]*>/, function (tag) { return tag + note; }), {
      status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

/* A page never kept on this phone, offline: the offline page, offering the report form and its outbox when the
   form is kept here (it is not for a role that does not report). */
function offline() {
  return caches.match("/reports/new").then(function (form) {
    var html = form ? OFFLINE_PAGE : OFFLINE_PAGE.replace(/<div class="offline-form">[\s\S]*?<\/div>/, "");
    return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

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

/* Background Sync sends the outbox; each item sent is named, once, on the open pages ("... terkirim, tiket ..."). */
self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox") { return; }
  event.waitUntil(self.TangguhOutbox.flush().then(function (results) {
    var lines = results.filter(function (result) { return result.status === "sent"; }).map(function (result) {
      return self.TangguhOutbox.sentLine(result, SENT_WORDS);
    });
    if (!lines.length) { return null; }
    return self.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ type: "outbox-sent", lines: lines }); });
    });
  }));
});
