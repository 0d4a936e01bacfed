// The queue: keyboard moves (j/k, Enter/o, /, x), local times, and new tickets polled from queue.json.
// Ticket data only ever goes into the page as textContent: nothing a resident wrote is parsed as HTML.
(function () {
  "use strict";

  var body = document.getElementById("queue-rows");
  if (!body) { return; }
  var selected = null;

  function rows() {
    return Array.prototype.filter.call(body.rows, function (row) { return row.dataset.url; });
  }

  function select(row) {
    if (!row) { return; }
    if (selected) { selected.classList.remove("selected"); selected.removeAttribute("aria-selected"); }
    selected = row;
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(selected);
    select(all[Math.min(all.length - 1, Math.max(0, at < 0 ? 0 : at + step))]);
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var next = document.getElementById("queue-next");
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      o: function () { if (selected) { window.location.assign(selected.dataset.url); } },
      Enter: function () { if (selected) { window.location.assign(selected.dataset.url); } },
      "/": function () { var search = document.getElementById("queue-search"); search.focus(); search.select(); },
      x: function () { if (next) { window.location.assign(next.href); } }
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });

  body.addEventListener("click", function (event) {
    var row = event.target.closest("tr");
    if (row && row.dataset.url) { select(row); }
  });

  var localTime = window.ventanillaLocalTime;  // local-time.js has shown the page's times already

  // ---- live updates: poll queue.json for tickets newer than the newest shown (first page, newest first only)
  var live = document.getElementById("queue-live");
  var template = document.getElementById("queue-row");
  if (!live || !template) { return; }
  var url = new URL(live.dataset.url, window.location.href);
  var every = Math.max(2, parseInt(live.dataset.every, 10) || 5) * 1000;
  var shown = {};
  rows().forEach(function (row) { shown[row.dataset.id] = true; });

  function buildRow(ticket) {
    var row = template.content.firstElementChild.cloneNode(true);
    var cells = row.cells;
    row.dataset.id = String(ticket.id);
    row.dataset.url = ticket.url;
    var link = cells[0].firstElementChild;
    link.href = ticket.url;
    link.textContent = ticket.folio;
    cells[1].textContent = ticket.category;
    cells[2].textContent = ticket.department;
    cells[3].textContent = ticket.channel;
    cells[4].textContent = ticket.phone;
    var badge = cells[5].firstElementChild;
    badge.classList.add("status-" + String(ticket.status).replace(/[^a-z_]/g, ""));
    badge.textContent = ticket.status_label;
    cells[6].textContent = ticket.summary;
    var time = cells[7].firstElementChild;
    time.setAttribute("datetime", ticket.received);
    time.textContent = ticket.received_text;
    localTime(time);
    if (ticket.overdue) {
      row.classList.add("overdue");
      var due = document.createElement("span");
      due.className = "badge overdue";
      due.textContent = ticket.due_text;
      cells[8].appendChild(due);
    } else {
      cells[8].textContent = ticket.due_text;
    }
    return row;
  }

  function add(tickets) {
    var empty = body.querySelector("tr.empty");
    if (empty && tickets.length) { empty.remove(); }
    // tickets come newest first: insert the oldest first so the newest ends on top
    tickets.slice().reverse().forEach(function (ticket) {
      if (shown[ticket.id]) { return; }
      shown[ticket.id] = true;
      body.insertBefore(buildRow(ticket), body.firstChild);
    });
  }

  function say(text) {
    live.textContent = "· " + text;
  }

  var timer = null;
  function poll() {
    timer = null;
    if (document.hidden) { return; }
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { say(window.ventanillaText("live_signed_out")); return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        add(data.tickets);
        url.searchParams.set("since", String(data.latest));
        say(window.ventanillaText(data.more ? "live_many" : "live"));
        schedule();
      })
      .catch(function () { say(window.ventanillaText("live_offline")); schedule(); });
  }

  function schedule() {
    if (timer === null) { timer = window.setTimeout(poll, every); }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { if (timer !== null) { window.clearTimeout(timer); timer = null; } poll(); }
  });
  schedule();
})();
