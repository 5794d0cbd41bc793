/* Tangguh maps: incidents as coloured points with their ticket and desa, on tiles when there are any. The page
   lists the same incidents beside the map, so it is useful without tiles, without this script, offline. Without
   tiles (none set, or no internet) the map says so and labels every point with its desa.
   Leaflet (script and stylesheet, about 45 KB) is fetched here, once the map's box is on the screen, and the first
   time only when asked ("Tampilkan peta"): a first visit on a weak link costs the page and its list, not the map
   library; once the phone holds Leaflet (the service worker keeps what it fetched) the map draws at once. The
   button stands in the kept box of the map, so nothing moves. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-points");
  if (!element || !data) { return; }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { node[name] = attributes[name]; });
      node.onload = resolve;
      node.onerror = reject;
      document.head.appendChild(node);
    });
  }

  function draw() {
    var points = JSON.parse(data.textContent);
    var colours = { baru: "#b3261e", diverifikasi: "#b35c00", ditangani: "#0b5cad", selesai: "#1e7b34" };
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: element.dataset.zoomIn, zoomOutTitle: element.dataset.zoomOut }).addTo(map);
    var markers = [];
    var said = false;
    function withoutTiles() {
      if (said) { return; }
      said = true;
      var note = document.createElement("p");
      note.className = "map-note";
      note.setAttribute("role", "status");
      note.textContent = element.dataset.noTiles;
      element.parentNode.appendChild(note);
      markers.forEach(function (marker) { if (!marker.isTooltipOpen()) { marker.openTooltip(); } });
    }
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: element.dataset.attribution })
        .on("tileerror", withoutTiles).addTo(map);
    }
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: 9, weight: 2, color: "#fff", fillColor: colours[point.status] || "#5a6169", fillOpacity: 0.95
      }).addTo(map);
      marker.bindTooltip(point.label, { permanent: points.length <= 30, direction: "top", offset: [0, -8] });
      markers.push(marker);
      marker.on("click", function () { window.location.href = point.url; });
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 14); } else { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 }); }
    if (!element.dataset.tiles || !navigator.onLine) { withoutTiles(); }
    element.dataset.ready = String(points.length);
  }

  function start() {
    var css = load("link", { rel: "stylesheet", href: element.dataset.css });
    var js = window.L ? Promise.resolve() : load("script", { src: element.dataset.js });
    Promise.all([css, js]).then(draw).catch(function () { /* offline: the list beside the map remains */ });
  }

  function ask() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "map-load";
    button.textContent = element.dataset.ask;
    button.addEventListener("click", function () {
      button.remove();
      start();
    });
    element.appendChild(button);
  }

  function held() {  /* does the phone already hold Leaflet? */
    if (window.L) { return Promise.resolve(true); }
    if (!("caches" in window)) { return Promise.resolve(false); }
    return caches.match(element.dataset.js).then(Boolean, function () { return false; });
  }

  function seen() {
    held().then(function (yes) { if (yes) { start(); } else { ask(); } });
  }

  if ("IntersectionObserver" in window) {
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        watcher.disconnect();
        seen();
      }
    }, { rootMargin: "0px" });
    watcher.observe(element);
  } else {
    seen();
  }
})();
