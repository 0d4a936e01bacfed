// The map page: markers and a list from map.json (marker rows: folio, latitude, longitude, category, status,
// overdue, a short label; the ticket's page has the rest). Ticket data goes into the page as textContent only.
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

  function tickets(answer) {  // marker rows as objects named by answer.fields
    return answer.markers.map(function (row) {
      var ticket = {};
      answer.fields.forEach(function (name, i) { ticket[name] = row[i]; });
      ticket.url = answer.ticket_path + encodeURIComponent(ticket.folio);
      return ticket;
    });
  }

  function link(ticket) {
    var anchor = text("a", ticket.folio);
    anchor.href = ticket.url;
    return anchor;
  }

  function popup(ticket) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.appendChild(link(ticket));
    box.appendChild(title);
    box.appendChild(text("p", ticket.category + " · " + statusLabel(ticket.status) + (ticket.overdue ? " · " + say("overdue") : "")));
    box.appendChild(text("p", ticket.label));
    return box;
  }

  function makeMap() {
    if (!window.L) { return null; }
    var map = L.map(element, { preferCanvas: true }).setView(MEXICO, 5);
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    return map;
  }

  function marker(map, ticket) {
    return L.circleMarker([ticket.latitude, ticket.longitude], {
      radius: 7, weight: 2, color: ticket.overdue ? "#b42318" : "#0b6e4f", fillOpacity: 0.6
    }).bindPopup(function () { return popup(ticket); }).addTo(map);  // built when opened, not 2,000 up front
  }

  function listItem(ticket, shown) {
    var item = document.createElement("li");
    if (ticket.overdue) { item.className = "overdue"; }
    item.appendChild(link(ticket));
    item.appendChild(document.createTextNode(" — " + ticket.label + " "));
    if (shown) {
      var button = text("button", say("map_show"), "link");
      button.type = "button";
      button.addEventListener("click", function () { shown.map.setView(shown.marker.getLatLng(), 17); shown.marker.openPopup(); });
      item.appendChild(button);
    }
    return item;
  }

  function show(answer) {
    var map = makeMap();
    var bounds = [];
    var fragment = document.createDocumentFragment();
    var found = tickets(answer);
    found.forEach(function (ticket) {
      var shown = null;
      if (map) {
        shown = { map: map, marker: marker(map, ticket) };
        bounds.push(shown.marker.getLatLng());
      }
      fragment.appendChild(listItem(ticket, shown));
    });
    list.appendChild(fragment);
    if (map && bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] }); }
    var count = found.length;
    var shownCount = { count: count.toLocaleString(lang) };
    status.textContent = say(answer.capped ? "map_capped" : count === 1 ? "map_one" : "map_many", shownCount);
  }

  fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(show)
    .catch(function (error) { status.textContent = say("map_failed", { error: error.message }); });
})();
