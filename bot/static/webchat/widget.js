/* Ventanilla web chat: <script src="https://YOUR-VENTANILLA/webchat/widget.js" defer></script>
 * Optional: data-lang="es|en" (else <html lang>), data-api="https://.../webchat".
 * A page opened as …#ventanilla=CODE (a QR card's link) opens the chat at that card's survey.
 * No build step. What the bot or a resident wrote is set as text, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__ventanillaChat) return;
  window.__ventanillaChat = true;
  var api = (script.getAttribute("data-api") || new URL(script.src, location.href).origin + "/webchat").replace(/\/+$/, "");
  var en = (script.getAttribute("data-lang") || document.documentElement.lang || "es").slice(0, 2).toLowerCase() === "en";
  var T = en ? {
    open: "Open chat with the city", close: "Close chat", title: "Ventanilla · City reports",
    hello: "Hi! 👋 Type your message to report a pothole, trash, a streetlight and more.",
    label: "Your message", placeholder: "Type your message…", send: "Send", log: "Conversation",
    location: "📍 Share location", photo: "📷 Photo", you: "You: ", options: "Options",
    locating: "Finding you…", noLocation: "I couldn't get your location. Type the street and cross street.",
    shared: "📍 Location shared", photoAlt: "Your photo", unread: " (new messages)",
    tooLarge: "The photo is over {mb} MB. Choose a smaller one.",
    badType: "That file isn't a photo we can take (JPG, PNG or WebP).",
    failed: "Couldn't send. Check your connection.", retry: "Retry",
    slow: "Too many messages. Wait a moment and retry.", scanned: "QR code {code}",
    quota: "Too many photos from your connection today. Describe it in words or try tomorrow."
  } : {
    open: "Abrir chat con el municipio", close: "Cerrar chat", title: "Ventanilla · Reportes al municipio",
    hello: "¡Hola! 👋 Escribe tu mensaje para reportar un bache, basura, una luminaria y más.",
    label: "Tu mensaje", placeholder: "Escribe tu mensaje…", send: "Enviar", log: "Conversación",
    location: "📍 Compartir ubicación", photo: "📷 Foto", you: "Tú: ", options: "Opciones",
    locating: "Buscando tu ubicación…", noLocation: "No pude obtener tu ubicación. Escribe la calle y el cruce.",
    shared: "📍 Ubicación compartida", photoAlt: "Tu foto", unread: " (mensajes nuevos)",
    tooLarge: "La foto pesa más de {mb} MB. Elige una más ligera.",
    badType: "Ese archivo no es una foto que podamos recibir (JPG, PNG o WebP).",
    failed: "No se pudo enviar. Revisa tu conexión.", retry: "Reintentar",
    slow: "Demasiados mensajes. Espera un momento y reintenta.", scanned: "Código QR {code}",
    quota: "Demasiadas fotos desde tu conexión hoy. Descríbelo con palabras o intenta mañana."
  };

  // localStorage keeps the session token, the transcript and the last event seen.
  var KEY = "ventanilla-webchat:" + api, state;
  try { state = JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { state = {}; }
  function save() {
    state.log = (state.log || []).slice(-60);
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: memory only */ }
  }
  function newId() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }
  function on(node, type, fn) { node.addEventListener(type, fn); }

  // The DOM lives in a shadow root: the city's CSS and ours never mix.
  var host = el("div", { "data-ventanilla-chat": "" }), root = host.attachShadow({ mode: "open" });
  var style = el("style", {}, ":host{all:initial;--b:#0b5cad;font:16px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}*{box-sizing:border-box}button,input{font:inherit}" +
    ":focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 5px #fff}" +
    "button{cursor:pointer;font-weight:600}" +
    ".launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;background:var(--b);color:#fff;box-shadow:0 4px 14px #0006}" +
    ".badge{display:inline-block;min-width:1.4em;margin-left:6px;border-radius:1em;background:#fff;color:var(--b);text-align:center}" +
    ".panel{position:fixed;right:16px;bottom:84px;z-index:2147483001;width:380px;height:600px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border-radius:12px;box-shadow:0 8px 30px #0008;overflow:hidden}" +
    "[hidden]{display:none!important}" +
    "header{display:flex;align-items:center;padding:8px 8px 8px 14px;background:var(--b);color:#fff}" +
    "h2{flex:1;margin:0;font-size:17px}" +
    ".x{border:0;background:none;color:#fff;font-size:26px;width:44px;height:44px;border-radius:8px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f7f8fa}" +
    ".msg{width:fit-content;max-width:85%;margin:6px 0;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".bot{background:#e9ecef;border-bottom-left-radius:4px}" +
    ".me{margin-left:auto;background:var(--b);color:#fff;border-bottom-right-radius:4px}" +
    ".me img{display:block;max-width:100%;max-height:200px;border-radius:8px;margin-top:4px}" +
    ".opts,.tools{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 10px}.tools{margin:0;padding:8px 12px 0}" +
    ".opts button,.tools button,.retry{border:2px solid var(--b);background:#fff;color:var(--b);border-radius:18px;padding:7px 12px;min-height:40px}" +
    ".opts button:hover,.tools button:hover{background:#e6effa}" +
    ".retry{display:block;margin:4px 0 0 auto;min-height:32px;padding:3px 10px}" +
    ".status{margin:0;padding:0 12px;color:#b00020;font-size:14px}.status:not(:empty){padding-top:6px}" +
    "form{display:flex;gap:8px;padding:8px 12px 12px}" +
    "input{flex:1;min-width:0;border:2px solid #6b6b6b;border-radius:22px;padding:9px 14px;color:#1a1a1a}" +
    "form button{border:0;border-radius:22px;padding:9px 16px;background:var(--b);color:#fff}button:disabled{opacity:.6}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0}}");
  var launch = el("button", { type: "button", "class": "launch", "aria-expanded": "false", "aria-controls": "vch-panel", "aria-label": T.open }, "💬 Chat");
  var badge = el("span", { "class": "badge", hidden: "" });
  var panel = el("section", { id: "vch-panel", "class": "panel", role: "dialog", "aria-labelledby": "vch-title", hidden: "" });
  var header = el("header"), closeButton = el("button", { type: "button", "class": "x", "aria-label": T.close }, "×");
  var log = el("div", { "class": "log", role: "region", "aria-label": T.log, tabindex: "0" });
  var live = el("div", { "class": "sr", "aria-live": "polite" });  // reads new bot messages out
  var status = el("p", { "class": "status", role: "alert" });
  var tools = el("div", { "class": "tools" });
  var locButton = el("button", { type: "button" }, T.location), photoButton = el("button", { type: "button" }, T.photo);
  var fileInput = el("input", { type: "file", accept: "image/*", hidden: "" });
  var form = el("form"), input = el("input", { type: "text", id: "vch-input", maxlength: "2000", autocomplete: "off", enterkeyhint: "send", placeholder: T.placeholder });
  launch.append(badge);
  header.append(el("h2", { id: "vch-title" }, T.title), closeButton);
  tools.append(locButton, photoButton, fileInput);
  form.append(el("label", { "for": "vch-input", "class": "sr" }, T.label), input, el("button", { type: "submit" }, T.send));
  panel.append(header, log, live, status, tools, form);
  // A constructed stylesheet is no inline <style>: pages whose Content-Security-Policy forbids inline styles
  // (ours, and many a city's) still style the chat. Browsers without one get the <style> element.
  if (window.CSSStyleSheet && "adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(style.textContent);
    root.adoptedStyleSheets = [sheet];
  } else root.append(style);
  root.append(launch, panel);

  function render(item, announce) {
    var node = el("div", { "class": "msg " + (item.me ? "me" : "bot") }), old = log.querySelector(".opts");
    node.append(el("span", { "class": "sr" }, item.me ? T.you : "Ventanilla: "));
    String(item.text).split(/\*([^*\n]+)\*/).forEach(function (part, i) {  // *bold*, as WhatsApp shows it
      node.append(i % 2 ? el("strong", {}, part) : document.createTextNode(part));
    });
    if (item.image) node.append(el("img", { src: item.image, alt: T.photoAlt }));
    if (old) old.remove();  // only the latest question keeps its buttons
    log.append(node);
    if (!item.me && item.options && item.options.length) {
      var group = el("div", { "class": "opts", role: "group", "aria-label": T.options });
      item.options.forEach(function (label, i) {
        var b = el("button", { type: "button" }, label);
        on(b, "click", function () {
          group.remove();
          log.focus();  // focus stays in the chat; phones keep the keyboard closed
          say({ text: label, payload: (item.ids || [])[i] || "" }, label);
        });
        group.append(b);
      });
      log.append(group);
    }
    if (announce) {
      live.append(el("p", {}, String(item.text).replace(/\*([^*\n]+)\*/g, "$1")));
      while (live.childNodes.length > 3) live.firstChild.remove();
    }
    log.scrollTop = log.scrollHeight;
    return node;
  }
  function remember(item) {
    state.log = (state.log || []).concat([{ me: item.me, text: item.text, options: item.options, ids: item.ids }]);
    save();
  }
  function botSays(reply) {
    var item = { text: reply.text, options: reply.options, ids: reply.option_ids };
    render(item, true);
    if (panel.hidden) state.unread = (state.unread || 0) + 1;
    remember(item);
    showUnread();
  }
  function showUnread() {
    var n = state.unread || 0;
    badge.textContent = n;
    badge.hidden = !n;
    launch.setAttribute("aria-label", T.open + (n ? T.unread : ""));
  }
  function showStatus(text) { status.textContent = text || ""; }
  function maxBytes() { return (state.limits || {}).max_photo_bytes || 10485760; }
  function tooLarge() { return T.tooLarge.replace("{mb}", Math.floor(maxBytes() / 1048576)); }

  function post(path, body) {  // JSON as text/plain, and FormData: simple requests, no CORS preflight
    return fetch(api + path, { method: "POST", body: body instanceof FormData ? body : JSON.stringify(body) }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        data.status = response.status;
        return data;
      });
    });
  }
  function session() {
    if (state.token) return Promise.resolve(state.token);
    return post("/api/session", {}).then(function (data) {
      if (!data.token) throw new Error("no session");
      state.token = data.token;
      state.limits = data.limits;
      state.after = 0;
      sessions++;
      save();
      poll();
      return data.token;
    });
  }
  var queue = Promise.resolve();  // one message at a time, in order
  function deliver(path, build, node, item) {  // item is kept once delivered
    function attempt() { return session().then(function (token) { return post(path, build(token)); }); }
    queue = queue.then(function () {
      return attempt().then(function (data) {
        if (data.status !== 401) return data;
        state.token = null;  // expired: a new session, the same message again
        return attempt();
      }).then(function (data) {
        if (data.status === 413 || data.status === 415 || data.error === "photo_quota") {
          node.remove();
          return showStatus(data.status === 413 ? tooLarge() : data.status === 415 ? T.badType : T.quota);
        }
        if (data.status !== 200) throw data;
        showStatus("");
        state.token = data.token || state.token;
        state.active = Date.now();
        remember(item);
        data.replies.forEach(botSays);
        poll();
      }).catch(function (data) {
        showStatus(data && data.status === 429 ? T.slow : T.failed);
        var again = el("button", { type: "button", "class": "retry" }, T.retry);
        on(again, "click", function () { again.remove(); deliver(path, build, node, item); });
        node.append(again);
      });
    });
  }
  function say(fields, shown) {  // a retry keeps the id: the server answers a message once
    var id = newId(), item = { me: true, text: shown };
    deliver("/api/messages", function (token) { return Object.assign({ token: token, id: id, lang: en ? "en" : "es" }, fields); }, render(item), item);
  }

  // Later messages (a person, notices): long polls, the token in a header (never in a URL).
  // Refused (503: too many wait) or failing, they come back later, a little later each time.
  var polling = false, timer = null, backoff = 0, sessions = 0;
  function later(seconds) { timer = setTimeout(function () { timer = null; poll(); }, seconds * 1000); }
  function poll() {
    if (polling || timer || !state.token || document.hidden || (panel.hidden && Date.now() - (state.active || 0) > 1800000)) return;
    var token = state.token, started = Date.now(), mine = sessions;
    polling = true;
    fetch(api + "/api/updates?after=" + (state.after || 0), { headers: { Authorization: "Bearer " + token } }).then(function (response) {
      return response.json().then(function (data) {
        polling = false;
        if (mine !== sessions) return poll();  // an answer for the session before
        if (response.status === 401) return state.token !== token && poll();  // expired: the next session polls
        if (response.status !== 200) throw Number(response.headers.get("Retry-After"));
        backoff = 0;
        data.messages.forEach(function (message) {
          if (message.seq > (state.after || 0)) { state.after = message.seq; botSays(message); }
        });
        save();
        later(data.messages.length || Date.now() - started > 2000 ? 0.1 : 5);  // an answer at once, nothing new: no rush
      });
    }).catch(function (wait) {
      polling = false;
      backoff = Math.min(60, Math.max(2 * backoff, +wait > 0 ? +wait : 5));
      later(backoff * (1 + Math.random() / 2));
    });
  }
  on(document, "visibilitychange", poll);

  function open() {
    panel.hidden = false;
    launch.setAttribute("aria-expanded", "true");
    state.unread = 0;
    showUnread();
    save();
    poll();
    log.scrollTop = log.scrollHeight;
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }
  on(launch, "click", function () { panel.hidden ? open() : close(); });
  on(closeButton, "click", close);
  on(panel, "keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  on(form, "submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    input.value = "";
    if (text) say({ text: text }, text);
  });
  on(locButton, "click", function () {
    function reset(text) { locButton.disabled = false; locButton.textContent = T.location; showStatus(text); }
    if (!navigator.geolocation) return reset(T.noLocation);
    locButton.disabled = true;
    locButton.textContent = T.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      reset();
      say({ location: { latitude: c.latitude, longitude: c.longitude } }, T.shared + " (" + c.latitude.toFixed(5) + ", " + c.longitude.toFixed(5) + ")");
    }, function () { reset(T.noLocation); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
  on(photoButton, "click", function () { fileInput.click(); });
  on(fileInput, "change", function () {
    var file = fileInput.files[0], id = newId();
    fileInput.value = "";
    if (!file) return;
    if (((state.limits || {}).photo_types || ["image/jpeg", "image/png", "image/webp"]).indexOf(file.type) < 0) return showStatus(T.badType);
    if (file.size > maxBytes()) return showStatus(tooLarge());
    showStatus("");
    deliver("/api/photo", function (token) {
      var body = new FormData();
      body.append("token", token);
      body.append("id", id);
      body.append("file", file, file.name || "photo");
      return body;
    }, render({ me: true, text: T.photo, image: URL.createObjectURL(file) }), { me: true, text: T.photo });
  });

  // A QR card's link (#ventanilla=P001): open the chat and start the card's survey, once (the fragment is dropped).
  var CARD = /(?:^#|&)ventanilla=([A-Za-z0-9_-]{1,40})(?:&|$)/;
  function fromCard() {
    var found = CARD.exec(location.hash);
    if (!found) return;
    history.replaceState(history.state, "", location.pathname + location.search);
    open();
    say({ payload: "start:" + found[1] }, T.scanned.replace("{code}", found[1]));
  }
  on(window, "hashchange", fromCard);

  // Start: the transcript so far, the polls if a session exists.
  if (!(state.log || []).length) log.append(el("p", { "class": "msg bot" }, T.hello));
  (state.log || []).forEach(function (item) { render(item); });
  showUnread();
  poll();
  if (document.body) { document.body.append(host); fromCard(); }
  else on(document, "DOMContentLoaded", function () { document.body.append(host); fromCard(); });
})();
