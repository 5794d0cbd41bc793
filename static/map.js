/* Tangguh maps: incidents as coloured points with their ticket and desa, on tiles when there are any. The page
   lists the same incidents beside the map, so it is useful without tiles, without this script, offline. Without
   tiles (none set, or no internet) the map says so and labels every point with its desa. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-points");
  if (!element || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  var colours = { baru: "#b3261e", diverifikasi: "#b35c00", ditangani: "#0b5cad", selesai: "#1e7b34" };
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
  var said = false;
  function withoutTiles() {
    if (said) { return; }
    said = true;
    var note = document.createElement("p");
    note.className = "map-note";
    note.setAttribute("role", "status");
    note.textContent = element.dataset.noTiles;
    element.parentNode.insertBefore(note, element);
    markers.forEach(function (marker) { if (!marker.isTooltipOpen()) { marker.openTooltip(); } });
  }
  var markers = [];
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
})();
