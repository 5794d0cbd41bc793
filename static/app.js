/* Tangguh page script: registers the service worker; on the report form (and any form marked data-outbox, such as
   a konsultasi), keeps every submission in the outbox until the server has it, takes the phone's GPS position,
   and shrinks photos to at most 100 KB.
   Without JavaScript the form is a plain POST and works all the same. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the app works without it */ });
    /* A push arrived while this page is open: say so on the page too, with a link. */
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "push" || !document.querySelector("main")) { return; }
      var note = document.createElement("p");
      var link = document.createElement("a");
      note.className = "flash info push-note";
      note.setAttribute("role", "status");
      link.href = event.data.url || "/incidents";
      link.textContent = event.data.title || "Tangguh";
      note.appendChild(link);
      document.querySelector("main").prepend(note);
    });
  }
  var user = document.body.dataset.user;
  if (!user && window.caches) {
    /* Signed out: pages kept for offline use must not show the last user's incidents to the next one. */
    caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) {
        return caches.open(name).then(function (cache) {
          return Promise.all(["/incidents", "/reports/new", "/konsultasi/baru"].map(function (path) {
            return cache.delete(path);
          }));
        });
      }));
    }).catch(function () { /* nothing cached */ });
  }
  /* One voice for outcomes. What an action or a refresh did comes from the server in the swapped fragment, in an
     element marked data-announce; its words go to the one live region (#announcer, outside every htmx target, so
     it is never replaced and screen readers hear it change). data-announce="focus" (the outcome of what the person
     just did, or a refused form's error summary) also takes the focus there, so the next Tab continues from the
     changed thing, not from the top of the page; a refresh or a preview speaks without moving the focus. */
  var announcer = document.getElementById("announcer");
  var lastSaid = "";
  function announce(text) {
    if (!announcer || !text) { return; }
    lastSaid = text;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }
  function takeFocus(element) {
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus({ preventScroll: true });
    if (element.scrollIntoView) { element.scrollIntoView({ block: "nearest" }); }
  }
  function outcomes(root) {
    var marked = root.matches && root.matches("[data-announce]") ? [root] : [];
    return marked.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-announce]") : []));
  }
  document.body.addEventListener("htmx:load", function (event) {
    outcomes(event.detail.elt).forEach(function (element) {
      var text = element.textContent.replace(/\s+/g, " ").trim();
      if (element.dataset.announce === "focus") {
        announce(text);
        takeFocus(element);
      } else if (text !== lastSaid) {
        announce(text);
      }
    });
  });
  /* The gateway strip and the BMKG banner ride along with the list's refresh (out of band). One that arrives on an
     open page shows pinned to the bottom of the screen instead of pushing the page down under the reader's thumb;
     one that goes keeps its height, empty, until the next page. Both are in the flow again on the next page. */
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var old = event.detail.target, incoming = event.detail.fragment.firstElementChild || event.detail.fragment;
    if (!old || !incoming || !old.classList || !/^(gateway-strip|warning-banner)$/.test(old.id)) { return; }
    var had = old.children.length > 0 && !old.classList.contains("arrived");
    var has = incoming.children && incoming.children.length > 0;
    /* Marked on both: htmx gives the new element the old one's class and style until it settles. */
    if (has && (!had || old.classList.contains("arrived"))) {
      old.classList.add("arrived");
      incoming.classList.add("arrived");
    } else if (had && !has && old.offsetHeight) {
      old.style.minHeight = incoming.style.minHeight = old.offsetHeight + "px";
    }
  });
  /* A page that comes back refusing a form (no htmx: a plain POST) puts the focus on its error summary. */
  var refused = document.querySelector("main [data-announce='focus']");
  if (refused) { takeFocus(refused); }
  /* A wide table that scrolls sideways in its box: reachable and scrollable by keyboard, named after its caption
     or the heading above it (touch alone could scroll it before). */
  Array.prototype.forEach.call(document.querySelectorAll(".scroll"), function (box) {
    if (box.scrollWidth <= box.clientWidth + 1 || box.hasAttribute("tabindex")) { return; }
    var caption = box.querySelector("caption");
    var heading = null;
    for (var node = box.previousElementSibling; node && !heading; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { heading = node; }
    }
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (caption || heading || document.querySelector("h1") || { textContent: document.title })
      .textContent.replace(/\s+/g, " ").trim());
  });

  /* The printable recap's print button (hidden without JavaScript: the browser's own Print works too). */
  var printButton = document.querySelector("[data-print]");
  if (printButton && window.print) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  /* The public page's copy button (hidden without JavaScript: the text can still be selected and copied). */
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      source.select();
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  /* A live SMS counter under every SMS text box: characters, encoding and segments, as the server counts them
     (the GSM-7 alphabet comes from the page, from sms.gsm). */
  Array.prototype.forEach.call(document.querySelectorAll("[data-sms-counter]"), function (box) {
    var out = document.getElementById(box.dataset.smsCounter);
    var basic = out.dataset.gsm, extended = out.dataset.gsmExt, limit = Number(out.dataset.limit || 0);
    function update() {
      var prefix = box.form && box.form.elements.kind ? (out.dataset["prefix" + box.form.elements.kind.value] || "") : "";
      var text = prefix + box.value.replace(/\s+/g, " ").trim(), units = 0, gsm = true;
      for (var i = 0; i < text.length; i++) {
        if (extended.indexOf(text[i]) !== -1) { units += 2; } else if (basic.indexOf(text[i]) !== -1) { units += 1; } else { gsm = false; break; }
      }
      if (!gsm) { units = text.length; }
      var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
      var segments = units <= single ? 1 : Math.ceil(units / multi);
      out.textContent = out.dataset.label.replace("{chars}", units).replace("{max}", single)
        .replace("{segments}", segments) + (gsm ? "" : " " + out.dataset.ucs);
      out.classList.toggle("error", !gsm || (limit && segments > limit));
      out.dataset.segments = String(segments);
    }
    box.addEventListener("input", update);
    if (box.form) { box.form.addEventListener("change", update); }
    update();
  });

  /* "Every desa": one box that checks the others (the server reads it too, without JavaScript). */
  Array.prototype.forEach.call(document.querySelectorAll("[data-check-all]"), function (all) {
    var boxes = all.form.querySelectorAll("input[type=checkbox][name=" + all.dataset.checkAll + "]");
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
    }, true);
    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", function () {
        all.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      }, true);
    });
  });

  /* Notifications: a button to subscribe this browser to web push (hidden where push is not possible). */
  var pushButton = document.getElementById("push-toggle");
  var pushKey = document.body.dataset.pushKey;
  if (pushButton && pushKey && "serviceWorker" in navigator && "PushManager" in window && window.Notification &&
      Notification.permission !== "denied") {
    var csrf = document.body.dataset.csrf;
    var keyBytes = function () {
      var raw = atob(pushKey.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((pushKey.length + 3) % 4));
      return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
    };
    var post = function (url, body) {
      return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } });
    };
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        pushButton.classList.remove("pending");  /* its place was kept: nothing moves */
        pushButton.textContent = existing ? pushButton.dataset.off : pushButton.dataset.on;
        pushButton.addEventListener("click", function () {
          registration.pushManager.getSubscription().then(function (current) {
            if (current) {
              return post("/push/subscriptions/remove", { endpoint: current.endpoint }).then(function () {
                return current.unsubscribe();
              }).then(function () { pushButton.textContent = pushButton.dataset.on; });
            }
            return Notification.requestPermission().then(function (permission) {
              if (permission !== "granted") { return null; }
              return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes() })
                .then(function (subscription) { return post("/push/subscriptions", subscription.toJSON()); })
                .then(function () { pushButton.textContent = pushButton.dataset.off; });
            });
          }).catch(function () { pushButton.textContent = pushButton.dataset.failed; });
        });
      });
    }).catch(function () { /* no service worker: the live list and the SMS to the on-duty phone remain */ });
  }

  /* Outbox items sent after the fact, each named once, on the page the phone is on or lands on: the page that sent
     them leaves their lines in sessionStorage before it follows the last one; the service worker posts its own. */
  var SENT = "tangguh-sent", named = {};
  function nameSent(lines) {
    var main = document.querySelector("main");
    if (!main || !lines) { return; }
    var first = main.firstChild;
    lines.forEach(function (line) {
      if (named[line.key]) { return; }
      named[line.key] = true;
      var note = document.createElement("p"), text = document.createElement(line.url ? "a" : "span");
      note.className = "flash sent-note";
      note.setAttribute("role", "status");
      if (line.url) { text.href = line.url; }
      text.textContent = line.text;
      note.appendChild(text);
      main.insertBefore(note, first);
    });
  }
  if (window.sessionStorage) {
    try {
      var landed = JSON.parse(sessionStorage.getItem(SENT) || "[]");
      sessionStorage.removeItem(SENT);
      nameSent(landed);
    } catch (error) { /* storage refused: the items are in "Laporan saya" all the same */ }
  }
  var onSent = nameSent;  /* the outbox's own page follows what was sent instead (below) */
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-sent") { onSent(event.data.lines); }
    });
  }

  var form = document.getElementById("report-form") || document.querySelector("form[data-outbox]");
  if (!form || !user || !window.indexedDB || !window.fetch || !window.TangguhOutbox) { return; }
  var outbox = document.getElementById("outbox");
  var outboxList = document.getElementById("outbox-list");
  var statusLine = document.getElementById("outbox-status");
  var MAX_PHOTO = 100 * 1024;

  function newKey() {
    var raw = window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
    return raw.replace(/[^A-Za-z0-9_-]/g, "");
  }

  function render() {
    return TangguhOutbox.all().then(function (entries) {
      entries = entries.filter(function (entry) { return entry.user === user; });
      outboxList.textContent = "";
      outbox.hidden = entries.length === 0;
      entries.forEach(function (entry) {
        var item = document.createElement("li");
        item.textContent = entry.summary + " (" + (entry.refused ? outbox.dataset.refused : outbox.dataset.waiting) + ")";
        outboxList.appendChild(item);
      });
    });
  }

  /* Send what waits, then follow the last item sent, its name and every other one's kept for the page it lands
     on. Single-flight: the page's start and its online event come together on reconnect. */
  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    var words = { sent: outbox.dataset.sent, sentPlain: outbox.dataset.sentPlain };
    flushing = TangguhOutbox.flush(user, form.elements.csrf_token.value).then(function (results) {
      var sent = results.filter(function (result) { return result.status === "sent"; });
      var waiting = results.some(function (result) { return result.status === "waiting"; });
      if (waiting && navigator.onLine && retries < 3) {
        retries += 1;  /* the signal is back but the first request still failed: try again shortly, then stop */
        window.setTimeout(flush, 3000 * retries);
      }
      if (sent.length) { follow(sent.map(function (result) { return TangguhOutbox.sentLine(result, words); })); }
    }).then(function () { flushing = null; }, function () { flushing = null; });
    return flushing;
  }
  var retries = 0;

  /* Items sent, by this page or by the service worker's Background Sync: go to the last one, and name them all
     there. */
  function follow(lines) {
    render().then(function () {
      try { sessionStorage.setItem(SENT, JSON.stringify(lines)); } catch (error) { nameSent(lines); return; }
      window.location.href = lines[lines.length - 1].url;
    });
  }
  onSent = follow;

  /* How a waiting item is named once sent: "Laporan banjir Gading 04.12" (what, where, when it was written). */
  function nameOf() {
    var chosen = function (field) {
      var box = form.elements[field];
      return box && box.tagName === "SELECT" && box.value ? box.options[box.selectedIndex].text : "";
    };
    var now = new Date(), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var kind = form.id === "report-form" ? outbox.dataset.report : (form.dataset.outboxLabel || "");
    return [kind, chosen("hazard").toLowerCase(), chosen("desa"), pad(now.getHours()) + "." + pad(now.getMinutes())]
      .filter(Boolean).join(" ");
  }

  var gpsButton = document.getElementById("gps-button");
  var gpsStatus = document.getElementById("gps-status");
  if (gpsButton && navigator.geolocation) {
    gpsButton.hidden = false;
    gpsButton.addEventListener("click", function () {
      gpsButton.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        gpsStatus.textContent = form.elements.latitude.value + ", " + form.elements.longitude.value;
        gpsButton.disabled = false;
      }, function () {
        gpsStatus.textContent = gpsButton.dataset.failed;
        gpsButton.disabled = false;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  }

  /* A photo of at most 100 KB: small enough photos go as they are, others are redrawn as JPEG. */
  function shrink(file) {
    if (!file || !file.size) { return Promise.resolve(null); }
    if (file.size <= MAX_PHOTO && /^image\/(jpeg|png|webp)$/.test(file.type)) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      function attempt(scale, quality) {
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); }).then(function (blob) {
          if (blob.size <= MAX_PHOTO || scale < 0.05) { return blob; }
          return quality > 0.45 ? attempt(scale, quality - 0.15) : attempt(scale * 0.7, 0.75);
        });
      }
      return attempt(Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height)), 0.75);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var data = new FormData(form);
    var key = newKey();
    var photo = data.get("photo");
    data.delete("photo");
    data.set("idempotency_key", key);
    shrink(photo).then(function (small) {
      var label = form.elements.hazard ? form.elements.hazard.options[form.elements.hazard.selectedIndex].text
        : form.dataset.outboxLabel;
      var textField = form.dataset.outboxText || "description";
      var entry = {
        key: key,
        user: user,
        url: form.getAttribute("action"),
        csrf: data.get("csrf_token"),
        fields: Array.from(data.entries()),
        photo: small,
        created: Date.now(),
        name: nameOf(),
        summary: label + ": " + String(data.get(textField)).slice(0, 60)
      };
      return TangguhOutbox.put(entry).then(function () { return TangguhOutbox.send(entry, entry.csrf); });
    }).then(function (result) {
      if (result.status === "sent") { window.location.href = result.data.url; return null; }
      if (result.status === "refused") {
        /* The server wants something corrected: submit the form itself, so its page shows what and where. */
        return TangguhOutbox.remove(key).then(function () { HTMLFormElement.prototype.submit.call(form); });
      }
      form.reset();
      statusLine.textContent = outbox.dataset.saved;
      if (navigator.serviceWorker && "SyncManager" in window) {
        navigator.serviceWorker.ready.then(function (registration) {
          return registration.sync.register("outbox");
        }).catch(function () { /* the online event and the next visit send it */ });
      }
      return render();
    }).catch(function () {
      statusLine.textContent = outbox.dataset.failed;
    }).then(function () { button.disabled = false; });
  });

  window.addEventListener("online", flush);
  render().then(function () { if (navigator.onLine) { return flush(); } return null; });
})();
