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
     since the entry was saved). Resolves to {status: "sent", data} once the server has it,
     {status: "refused", entry} when the server refuses its content (422), or {status: "waiting"}. */
  function send(entry, csrf) {
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
      headers: { "Idempotency-Key": entry.key, "X-CSRFToken": token, "X-Tangguh-Outbox": "1" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.ok && json) {
        return response.json().then(function (data) {
          return remove(entry.key).then(function () { return { status: "sent", data: data }; });
        });
      }
      if (response.status === 422) {
        entry.refused = true;
        return put(entry).then(function () { return { status: "refused", entry: entry }; });
      }
      return { status: "waiting" };  /* offline, signed out (a login page came back), or the server failed */
    }, function () { return { status: "waiting" }; });
  }

  /* Send every waiting entry, one after another. A page passes its user and CSRF token: on a shared phone
     only that user's reports go out under that user's session. (The service worker passes neither; a
     session that has changed since then refuses the old token, and the entry waits for its user.) */
  function flush(user, csrf) {
    return all().then(function (entries) {
      return entries.filter(function (entry) {
        return !entry.refused && (user === undefined || entry.user === user);
      }).reduce(function (chain, entry) {
        return chain.then(function (results) {
          return send(entry, csrf).then(function (result) { results.push(result); return results; });
        });
      }, Promise.resolve([]));
    });
  }

  scope.TangguhOutbox = { put: put, all: all, remove: remove, send: send, flush: flush };
})(self);
