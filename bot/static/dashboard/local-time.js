// Times are written in UTC (<time datetime="...+00:00">2026-11-26 10:34 UTC</time>) and shown in the
// operator's own time zone here; without JavaScript the UTC text stays.
(function () {
  "use strict";

  function localTime(element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment)) { return; }
    element.title = element.textContent;
    element.textContent = moment.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }

  window.ventanillaLocalTime = localTime;
  Array.prototype.forEach.call(document.querySelectorAll("main time[datetime]"), localTime);
})();
