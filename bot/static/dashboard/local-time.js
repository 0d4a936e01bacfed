// Times are written in UTC (<time datetime="...+00:00" data-zone="America/Monterrey">2026-11-26 04:34 CST</time>)
// and shown here on the city's clock (data-zone, CITY_TIMEZONE) in the browser's own format, whatever
// the operator's computer is set to: the dashboard's days are the city's. The format is the page's language
// (<html lang>: es-MX or en, the operator's). Without JavaScript the text stays (Babel's, in the same language).
// It also hands the other scripts their words in that language (window.ventanillaText, from #dashboard-texts).
(function () {
  "use strict";

  function localTime(element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment)) { return; }
    var options = { dateStyle: "short", timeStyle: "short" };
    var zone = element.getAttribute("data-zone");
    if (zone) { options.timeZone = zone; }
    var text;
    try {
      text = moment.toLocaleString(document.documentElement.lang || [], options);
    } catch (error) {  // a zone this browser does not know: keep the server's text
      return;
    }
    element.title = element.textContent;
    element.textContent = text;
  }

  var texts = {};
  try {
    texts = JSON.parse(document.getElementById("dashboard-texts").textContent);
  } catch (error) { texts = {}; }

  // A text by its key with %(name)s filled from values: ventanillaText("map_one", {count: "1"}).
  function text(key, values) {
    var found = texts[key] == null ? key : String(texts[key]);
    return found.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && values[name] != null ? String(values[name]) : whole;
    });
  }

  window.ventanillaText = text;
  window.ventanillaStatus = function (code) { return (texts.statuses || {})[code] || String(code).replace(/_/g, " "); };
  window.ventanillaLocalTime = localTime;
  Array.prototype.forEach.call(document.querySelectorAll("main time[datetime]"), localTime);
})();
