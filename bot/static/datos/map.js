// The open data page's map: the squares of reportes-abiertos.geojson drawn with the vendored Leaflet, shaded by
// how many open reports each holds. Properties reach the page as text only. Without the tiles (no internet, a
// blocked host) the squares are still drawn on a plain background; without Leaflet or the file, the status
// line says so and the table below the map has the same squares.
(function () {
  "use strict";

  var element = document.getElementById("open-map");
  var status = document.getElementById("open-map-status");
  if (!element || !status) { return; }
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
  var SHADES = ["#b7e4c7", "#74c69d", "#40916c", "#1b4332"];  // fewer to more reports
  var lang = document.documentElement.lang || [];

  function fill(count, most) {
    var index = most <= 1 ? SHADES.length - 1 : Math.min(SHADES.length - 1, Math.floor((count - 1) * SHADES.length / most));
    return SHADES[index];
  }

  function label(properties) {
    var box = document.createElement("div");
    var count = document.createElement("strong");
    count.textContent = Number(properties.reportes).toLocaleString(lang) + " " + element.dataset.reports;
    box.appendChild(count);
    if (properties.colonia) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(properties.colonia));
    }
    return box;
  }

  function draw(collection) {
    var features = collection.features || [];
    var most = features.reduce(function (top, f) { return Math.max(top, f.properties.reportes); }, 0);
    var map = L.map(element, { scrollWheelZoom: false }).setView([23.6, -102.5], 5);
    L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: ATTRIBUTION }).addTo(map);
    var layer = L.geoJSON(collection, {
      style: function (f) { return { color: "#1f2933", weight: 1, fillColor: fill(f.properties.reportes, most), fillOpacity: 0.7 }; },
      onEachFeature: function (f, shape) { shape.bindTooltip(function () { return label(f.properties); }); }
    }).addTo(map);
    if (features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
    status.textContent = features.length === 1
      ? element.dataset.loadedOne
      : element.dataset.loaded.replace("%(count)s", features.length.toLocaleString(lang));
    element.dataset.drawn = String(features.length);
  }

  if (!window.L) { status.textContent = element.dataset.failed; return; }
  fetch(element.dataset.url, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(draw)
    .catch(function () { status.textContent = element.dataset.failed; });
})();
