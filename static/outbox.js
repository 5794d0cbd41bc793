/* Tangguh outbox: reports waiting to be sent, kept in IndexedDB until the server has them.
   Used by the page (static/app.js) and by the service worker (Background Sync). Each entry carries its own
   Idempotency-Key, so sending it again after a lost answer never makes a second report. */
(function (scope) {
  "use strict";
  var DB_NAME = "tangguh", STORE = "outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function put(entry) { return withStore("readwrite", function (store) { return store.put(entry); }); }
  function all() { return withStore("readonly", function (store) { return store.getAll(); }); }
  function remove(key) { return withStore("readwrite", function (store) { return store.delete(key); }); }

  /* Send one entry, with the page's current CSRF token when there is one (the session may have been renewed
     since the entry was saved). Resolves to {status: "sent", data, entry} once the server has it,
     {status: "refused", entry} when the server refuses its content (422), or {status: "waiting"}.
     ``later``: sent from the outbox after the fact, so the server adds no notice of its own; the page names it. */
  function send(entry, csrf, later) {
    var token = csrf || entry.csrf;
    var body = new FormData();
    entry.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrf_token" ? token : pair[1]);  /* the form field wins over the header */
    });
    if (entry.photo) { body.append("photo", entry.photo, "foto.jpg"); }
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Idempotency-Key": entry.key, "X-CSRFToken": token, "X-Tangguh-Outbox": later ? "later" : "1" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.ok && json) {
        return response.json().then(function (data) {
          return remove(entry.key).then(function () { return { status: "sent", data: data, entry: entry }; });
        });
      }
      if (response.status === 422) {
        entry.refused = true;
        return put(entry).then(function () { return { status: "refused", entry: entry }; });
      }
      return { status: "waiting" };  /* offline, signed out (a login page came back), or the server failed */
    }, function () { return { status: "waiting" }; });
  }

  /* Send every waiting entry, one after another, in the order they were written. A page passes its user and CSRF token: on a shared phone
     only that user's reports go out under that user's session. (The service worker passes neither; a
     session that has changed since then refuses the old token, and the entry waits for its user.)
     One flush at a time across the pages and the service worker (a Web Lock): the page's start, its online
     event and Background Sync all fire on reconnect, and each entry must go out, and be named, once. */
  function flush(user, csrf) {
    var run = function () {
      return all().then(function (entries) {
        return entries.filter(function (entry) {
          return !entry.refused && (user === undefined || entry.user === user);
        }).sort(function (a, b) { return a.created - b.created; }).reduce(function (chain, entry) {
          return chain.then(function (results) {
            if (results.some(function (r) { return r.status === "waiting"; })) { return results; }  /* keep the order */
            return send(entry, csrf, true).then(function (result) { results.push(result); return results; });
          });
        }, Promise.resolve([]));
      });
    };
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request("tangguh-outbox", run) : run();
  }

  /* What the page or the service worker says once an entry is sent: "Laporan banjir Gading 04.12 terkirim,
     tiket UJYXR". ``words`` holds the sentences with {name} and {ticket}. */
  function sentLine(result, words) {
    var name = result.entry.name || result.entry.summary;
    var ticket = result.data && result.data.ticket;
    var text = (ticket ? words.sent : words.sentPlain).replace("{name}", name).replace("{ticket}", ticket || "");
    return { key: result.entry.key, text: text, url: result.data && result.data.url };
  }

  scope.TangguhOutbox = { put: put, all: all, remove: remove, send: send, flush: flush, sentLine: sentLine };
})(self);
