// Times are written in UTC (<time datetime="...+00:00" data-zone="America/Monterrey">2026-11-26 04:34 CST</time>)
// and shown here on the city's clock (data-zone, CITY_TIMEZONE) in the browser's own format, whatever
// the operator's computer is set to: the dashboard's days are the city's. Without JavaScript the text stays.
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
      text = moment.toLocaleString([], options);
    } catch (error) {  // a zone this browser does not know: keep the server's text
      return;
    }
    element.title = element.textContent;
    element.textContent = text;
  }

  window.ventanillaLocalTime = localTime;
  Array.prototype.forEach.call(document.querySelectorAll("main time[datetime]"), localTime);
})();
