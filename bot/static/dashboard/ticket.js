// The ticket page: its spot on a small map (tiles from OSM; without internet the marker still shows), and a
// confirmation before forms that ask for one. No data goes through innerHTML: the marker's label is text.
(function () {
  "use strict";

  function showMap(element) {
    var lat = parseFloat(element.dataset.lat), lng = parseFloat(element.dataset.lng);
    if (!window.L || !isFinite(lat) || !isFinite(lng)) { return; }
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lng], 17);
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19, attribution: "© OpenStreetMap contributors"
    }).addTo(map);
    var label = document.createElement("span");
    label.textContent = element.dataset.label || "";
    L.marker([lat, lng]).addTo(map).bindPopup(label);
  }

  function askFirst(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  }

  var map = document.getElementById("ticket-map");
  if (map) { showMap(map); }
  document.querySelectorAll("form[data-confirm]").forEach(askFirst);
})();
