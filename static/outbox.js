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

  /* Send one entry. Resolves to {status: "sent", data} once the server has it, {status: "refused", entry}
     when the server refuses its content (422), or {status: "waiting"} when it should be tried again later. */
  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    if (entry.photo) { body.append("photo", entry.photo, "foto.jpg"); }
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Idempotency-Key": entry.key, "X-CSRFToken": entry.csrf, "X-Tangguh-Outbox": "1" }
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (data) {
          return remove(entry.key).then(function () { return { status: "sent", data: data }; });
        });
      }
      if (response.status === 422) {
        entry.refused = true;
        return put(entry).then(function () { return { status: "refused", entry: entry }; });
      }
      return { status: "waiting" };
    }, function () { return { status: "waiting" }; });
  }

  /* Send every entry that is waiting, one after another. */
  function flush() {
    return all().then(function (entries) {
      return entries.filter(function (entry) { return !entry.refused; }).reduce(function (chain, entry) {
        return chain.then(function (results) {
          return send(entry).then(function (result) { results.push(result); return results; });
        });
      }, Promise.resolve([]));
    });
  }

  scope.TangguhOutbox = { put: put, all: all, remove: remove, send: send, flush: flush };
})(self);
