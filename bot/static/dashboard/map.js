// The map page: markers and a list from export.geojson. Ticket data goes into the page as textContent only.
// Leaflet is served from here; without internet the tiles fail quietly and markers, popups and list still work.
(function () {
  "use strict";

  var element = document.getElementById("map");
  var list = document.getElementById("map-list");
  var status = document.getElementById("map-status");
  if (!element || !list) { return; }
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
  var MEXICO = [23.6, -102.5];
  var say = window.ventanillaText, statusLabel = window.ventanillaStatus;  // local-time.js: the operator's language
  var lang = document.documentElement.lang || [];

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value == null ? "" : String(value);
    if (className) { node.className = className; }
    return node;
  }

  function link(feature) {
    var anchor = text("a", feature.properties.folio);
    anchor.href = feature.properties.url;
    return anchor;
  }

  function popup(feature) {
    var p = feature.properties;
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.appendChild(link(feature));
    box.appendChild(title);
    box.appendChild(text("p", p.category + " · " + statusLabel(p.status) + (p.overdue ? " · " + say("overdue") : "")));
    box.appendChild(text("p", p.summary));
    if (p.address) { box.appendChild(text("p", p.address, "muted")); }
    return box;
  }

  function makeMap() {
    if (!window.L) { return null; }
    var map = L.map(element, { preferCanvas: true }).setView(MEXICO, 5);
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    return map;
  }

  function marker(map, feature) {
    var coordinates = feature.geometry.coordinates;  // GeoJSON: [longitude, latitude]
    var overdue = feature.properties.overdue;
    return L.circleMarker([coordinates[1], coordinates[0]], {
      radius: 7, weight: 2, color: overdue ? "#b42318" : "#0b6e4f", fillOpacity: 0.6
    }).bindPopup(popup(feature)).addTo(map);
  }

  function listItem(feature, shown) {
    var item = document.createElement("li");
    if (feature.properties.overdue) { item.className = "overdue"; }
    item.appendChild(link(feature));
    item.appendChild(document.createTextNode(" — " + feature.properties.summary + " "));
    if (shown) {
      var button = text("button", say("map_show"), "link");
      button.type = "button";
      button.addEventListener("click", function () { shown.map.setView(shown.marker.getLatLng(), 17); shown.marker.openPopup(); });
      item.appendChild(button);
    }
    return item;
  }

  function show(collection) {
    var map = makeMap();
    var bounds = [];
    var fragment = document.createDocumentFragment();
    collection.features.forEach(function (feature) {
      var shown = null;
      if (map) {
        shown = { map: map, marker: marker(map, feature) };
        bounds.push(shown.marker.getLatLng());
      }
      fragment.appendChild(listItem(feature, shown));
    });
    list.appendChild(fragment);
    if (map && bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] }); }
    var count = collection.features.length;
    var shownCount = { count: count.toLocaleString(lang) };
    status.textContent = say(collection.capped ? "map_capped" : count === 1 ? "map_one" : "map_many", shownCount);
  }

  fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(show)
    .catch(function (error) { status.textContent = say("map_failed", { error: error.message }); });
})();
