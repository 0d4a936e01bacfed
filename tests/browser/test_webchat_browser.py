"""The web chat in a real browser (Debian's Chromium, driven by Playwright) against the real app under gunicorn.

Needs /usr/bin/chromium (`apt-get install -y chromium`) and the `playwright` package; never
`playwright install`: the browser is the system's.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import redis

from bot.channels import webchat
from bot.flows.messages import OutboundMessage
from bot.messaging.sending import Outgoing
from tests.support.app import ROOT, query
from tests.support.browser import expect, small_jpeg
from tests.support.processes import free_port, gunicorn, wait_until
from tests.support.webchat import web_environment

SCREENSHOT = ROOT / "docs" / "img" / "webchat.png"
PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 25.6581, "longitude": -100.4025}
FOLIO = re.compile(r"\b\d{4}-[0-9A-Z]{6}\b")


@contextmanager
def serving(tmp_path, redis_url, **settings: str):
    """Our app under gunicorn with threaded workers (a waiting poll holds a thread: a quarter of them may)."""
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, WEB_THREADS="8", **settings)
    options = ("--workers", "2", "--worker-class", "gthread", "--threads", "8", "--graceful-timeout", "3")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        yield SimpleNamespace(
            base=base,
            database=env["DATABASE_URL"],
            media=tmp_path / "media",
            log=tmp_path / "gunicorn.log",
            redis_url=redis_url,
        )


@pytest.fixture
def server(tmp_path, redis_url):
    with serving(tmp_path, redis_url) as server:
        yield server


@pytest.fixture
def page(browser, server):
    page = new_page(browser)
    yield page
    page.context.close()


def new_page(browser):
    """A phone's browser in Mexico that shares its location; it records dialogs and script errors."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        locale="es-MX",
        geolocation=WHERE,
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.dialogs = []  # a dialog would mean some text ran as code
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.urls = []  # every URL it asked for
    page.on("request", lambda request: page.urls.append(request.url))
    return page


def focused_in_widget(page) -> str:
    """What has the focus inside the widget's shadow root ('' when the focus is elsewhere)."""
    return page.evaluate("""() => {
        const host = document.querySelector('[data-ventanilla-chat]');
        if (document.activeElement !== host) return '';
        const el = host.shadowRoot.activeElement;
        return el ? (el.getAttribute('aria-label') || el.id || el.textContent) : '';
    }""")


def tab_to_launcher(page) -> None:
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused_in_widget(page).startswith("Abrir chat"):
            return
    raise AssertionError("the chat button cannot be reached with Tab")


def rows(database: str, sql: str) -> list[tuple]:
    return query(database, sql)


def chat_log(page):
    """The conversation as shown (the screen reader's live copy left aside)."""
    return page.get_by_role("region", name="Conversación")


def send_text(page, text: str) -> None:
    box = page.get_by_label("Tu mensaje")
    box.fill(text)
    box.press("Enter")


def accept_notice(page) -> None:
    """The privacy notice, asked of a new resident before the first question about a place: tap to accept."""
    expect(chat_log(page).get_by_text("Aviso de privacidad completo", exact=False)).to_be_visible()
    page.get_by_role("button", name="Sí, acepto").click()


def test_a_resident_reports_a_pothole_from_the_city_site(page, server):
    page.goto(server.base + "/webchat/")
    panel = page.get_by_role("dialog", name="Ventanilla · Reportes al municipio")
    expect(panel).to_be_hidden()

    tab_to_launcher(page)  # the keyboard alone opens it, and the focus lands in the message box
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(page.get_by_label("Tu mensaje")).to_be_focused()
    page.keyboard.type("hola")
    page.keyboard.press("Enter")

    page.get_by_role("button", name="Reportar un bache").click()
    accept_notice(page)
    expect(chat_log(page).get_by_text("¿Dónde está el bache?")).to_be_visible()
    page.get_by_role("button", name="📍 Compartir ubicación").click()
    expect(chat_log(page).get_by_text("Ubicación compartida (25.65810, -100.40250)")).to_be_visible()
    expect(chat_log(page).get_by_text("Si puedes, mándanos una foto")).to_be_visible()

    page.locator("input[type=file]").set_input_files(
        {"name": "bache.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg(page)}
    )
    expect(page.get_by_alt_text("Tu foto")).to_be_visible()
    expect(chat_log(page).get_by_text("¿Lo envío?")).to_be_visible()
    send_text(page, "sí")
    done = chat_log(page).get_by_text("Tu reporte quedó registrado con el folio")
    expect(done).to_be_visible()
    folio = FOLIO.search(done.text_content()).group()
    expect(page.locator("[aria-live=polite]")).to_contain_text(folio)  # read out to screen readers too

    page.mouse.move(200, 500)  # no hover left on a button
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    # The README's picture is refreshed on request (UPDATE_SCREENSHOTS=1); otherwise the shot goes to tmp.
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path_factory_png()
    page.screenshot(path=str(target), animations="disabled")
    assert target.stat().st_size > 10_000

    ((got_folio, channel, latitude, longitude, media),) = rows(
        server.database, "SELECT folio, channel, latitude, longitude, media FROM ticket"
    )
    assert (got_folio, channel, latitude, longitude) == (folio, "webchat", 25.6581, -100.4025)
    (photo,) = media if isinstance(media, list) else json.loads(media)
    stored = server.media / photo["stored"]
    assert stored.read_bytes()[:3] == b"\xff\xd8\xff" and photo["url"] == f"/webchat/media/{stored.name}"

    page.keyboard.press("Escape")  # closes, and the focus goes back to the chat button
    expect(panel).to_be_hidden()
    assert focused_in_widget(page).startswith("Abrir chat")
    assert page.dialogs == [] and page.errors == []
    assert "Traceback" not in server.log.read_text(), server.log.read_text()[-3000:]


def test_the_session_survives_a_reload_and_text_never_runs(page, server):
    page.goto(server.base + "/webchat/")
    page.get_by_role("button", name="Abrir chat con el municipio").click()
    send_text(page, "bache")
    accept_notice(page)
    expect(chat_log(page).get_by_text("¿Dónde está el bache?")).to_be_visible()
    assert stored_token(page)

    page.reload()
    page.get_by_role("button", name="Abrir chat con el municipio").click()
    expect(chat_log(page).get_by_text("¿Dónde está el bache?")).to_be_visible()  # the transcript is back
    send_text(page, "Morelos y 5 de Mayo")  # and the conversation goes on where it was
    expect(chat_log(page).get_by_text("Si puedes, mándanos una foto")).to_be_visible()
    assert rows(server.database, "SELECT count(*) FROM contactaddress WHERE kind = 'webchat'") == [(1,)]

    attack = "<img src=x onerror=alert(1)>"
    send_text(page, attack)
    expect(chat_log(page).get_by_text(attack)).to_be_visible()  # shown as the text it is
    expect(chat_log(page).get_by_text("No recibí una foto")).to_be_visible()  # the bot answered after it
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == [] and page.errors == []
    assert "Traceback" not in server.log.read_text(), server.log.read_text()[-3000:]


def test_a_later_message_arrives_by_polling(page, server):
    page.goto(server.base + "/webchat/")
    page.get_by_role("button", name="Abrir chat con el municipio").click()
    send_text(page, "hola")
    expect(page.get_by_role("button", name="Reportar un bache")).to_be_visible()
    ((session,),) = rows(server.database, "SELECT address FROM contactaddress WHERE kind = 'webchat'")

    svc = SimpleNamespace(redis=redis.Redis.from_url(server.redis_url), flows=SimpleNamespace(expire_after=None))
    notice = OutboundMessage(
        "Hola, soy Lupita de Obras Públicas. ¿<b>Sigue</b> ahí el bache?", ("Sí", "Ya no"), ("yes", "no")
    )

    webchat.send(svc, Outgoing(channel="webchat", to=session, message=notice))  # kept, should no poll wait yet
    expect(chat_log(page).get_by_text("¿<b>Sigue</b> ahí el bache?")).to_be_visible()
    expect(page.get_by_role("button", name="Ya no")).to_be_visible()

    page.get_by_role("button", name="Cerrar chat").click()  # closed: a later message shows as unread
    webchat.send(svc, Outgoing(channel="webchat", to=session, message=OutboundMessage("¿Nos compartes otra foto?")))
    expect(page.get_by_role("button", name="Abrir chat con el municipio (mensajes nuevos)")).to_be_visible()
    page.get_by_role("button", name="Abrir chat con el municipio (mensajes nuevos)").click()
    expect(chat_log(page).get_by_text("¿Nos compartes otra foto?")).to_be_visible()
    assert any(url.startswith(f"{server.base}/webchat/api/updates?after=") for url in page.urls)
    token = stored_token(page)
    assert not [url for url in page.urls if "token" in url or token in url]  # the token went in a header
    assert token not in server.log.read_text()  # nor did it reach the access log
    assert page.dialogs == [] and page.errors == []
    assert "Traceback" not in server.log.read_text(), server.log.read_text()[-3000:]


def stored_token(page) -> str:
    return page.evaluate(
        "() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('ventanilla-webchat'))[1]).token"
    )


def test_the_widget_speaks_english_on_an_english_page(page, server):
    page.goto(server.base + "/webchat/?lang=en")
    page.get_by_role("button", name="Open chat with the city").click()
    expect(page.get_by_role("dialog", name="Ventanilla · City reports")).to_be_visible()
    expect(page.get_by_role("button", name="📍 Share location")).to_be_visible()
    expect(page.get_by_role("button", name="📷 Photo")).to_be_visible()
    page.locator("input[type=file]").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    )
    expect(page.get_by_role("alert")).to_have_text("That file isn't a photo we can take (JPG, PNG or WebP).")
    assert rows(server.database, "SELECT count(*) FROM message") == [(0,)]


@pytest.fixture
def city_site(tmp_path, server):
    """The city's own site, on another origin, with the one script tag."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(
        '<!doctype html><html lang="es"><meta charset="utf-8"><title>Municipio</title>'
        f'<h1>Municipio de Ejemplo</h1><script src="{server.base}/webchat/widget.js" defer></script></html>'
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    handler.log_message = lambda *args: None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://localhost:{httpd.server_address[1]}/"  # localhost, not 127.0.0.1: another origin
    httpd.shutdown()
    httpd.server_close()


def test_the_widget_works_embedded_on_another_origin(page, server, city_site):
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.goto(city_site)
    page.get_by_role("button", name="Abrir chat con el municipio").click()
    send_text(page, "hola")
    page.get_by_role("button", name="Reportar un bache").click()
    accept_notice(page)
    expect(chat_log(page).get_by_text("¿Dónde está el bache?")).to_be_visible()
    assert ("OPTIONS", f"{server.base}/webchat/api/messages") not in requests  # simple requests: no preflight

    ((session,),) = rows(server.database, "SELECT address FROM contactaddress WHERE kind = 'webchat'")
    svc = SimpleNamespace(redis=redis.Redis.from_url(server.redis_url), flows=SimpleNamespace(expire_after=None))
    wait_until(lambda: any(url.startswith(f"{server.base}/webchat/api/updates") for _, url in requests))
    webchat.send(svc, Outgoing(channel="webchat", to=session, message=OutboundMessage("Aviso del municipio")))
    expect(chat_log(page).get_by_text("Aviso del municipio")).to_be_visible()  # polls cross origins too
    assert not [url for _, url in requests if "token" in url]
    assert page.dialogs == [] and page.errors == []


def tmp_path_factory_png():
    """A scratch path for the screenshot when the README's copy is not being refreshed."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / "webchat.png"


# --- when the server says no -----------------------------------------------------------------------------------------


@pytest.fixture
def strict_server(tmp_path, redis_url):
    """One poll may wait per address, briefly; photos are spent after a kilobyte a day."""
    settings = {"WEBCHAT_POLLS_PER_ADDRESS": "1", "WEBCHAT_POLL_SECONDS": "3", "WEBCHAT_PHOTO_BYTES_PER_DAY": "1000"}
    with serving(tmp_path, redis_url, **settings) as server:
        yield server


def test_a_refused_poll_is_retried_later_and_the_chat_goes_on(browser, strict_server):
    server, first, second = strict_server, new_page(browser), new_page(browser)
    try:
        first.goto(server.base + "/webchat/")  # two residents behind one address: one poll may wait
        first.get_by_role("button", name="Abrir chat con el municipio").click()
        send_text(first, "hola")
        expect(first.get_by_role("button", name="Reportar un bache")).to_be_visible()

        refused, polls = [], []
        second.on("response", lambda r: r.status == 503 and refused.append((time.monotonic(), r.url)))
        second.on("request", lambda r: "/webchat/api/updates" in r.url and polls.append(time.monotonic()))
        second.goto(server.base + "/webchat/")
        second.get_by_role("button", name="Abrir chat con el municipio").click()
        send_text(second, "hola")
        expect(second.get_by_role("button", name="Reportar un bache")).to_be_visible()  # replies come in the answer
        second.get_by_role("button", name="Reportar un bache").click()
        accept_notice(second)
        expect(chat_log(second).get_by_text("¿Dónde está el bache?")).to_be_visible()

        def poll_after_refusal() -> list[float]:
            return [t for t in polls if refused and t > refused[0][0]]

        for _ in range(150):  # Playwright hands events over while it is called: wait in the page
            if poll_after_refusal():
                break
            second.wait_for_timeout(200)
        assert refused and poll_after_refusal(), (refused, polls)
        # the next poll, refused again or let through, waited as Retry-After said (5 s), not at once
        assert poll_after_refusal()[0] - refused[0][0] >= 4.5, (refused, polls)
        expect(second.get_by_role("alert")).to_have_text("")  # nothing to alarm the resident

        first.context.close()  # the first resident leaves; the second one's poll gets the place in a while
        sessions = rows(server.database, "SELECT address FROM contactaddress WHERE kind = 'webchat' ORDER BY id")
        svc = SimpleNamespace(redis=redis.Redis.from_url(server.redis_url), flows=SimpleNamespace(expire_after=None))
        notice = OutboundMessage("Aviso para la segunda vecina")
        webchat.send(svc, Outgoing(channel="webchat", to=sessions[1][0], message=notice))
        expect(chat_log(second).get_by_text("Aviso para la segunda vecina")).to_be_visible(timeout=45_000)
        assert second.dialogs == [] and second.errors == []
    finally:
        for page in (first, second):
            page.context.close()
    assert "Traceback" not in server.log.read_text(), server.log.read_text()[-3000:]


def test_a_resident_is_told_when_the_days_photos_are_spent(browser, strict_server):
    page = new_page(browser)
    try:
        page.goto(strict_server.base + "/webchat/")
        page.get_by_role("button", name="Abrir chat con el municipio").click()
        send_text(page, "bache")
        accept_notice(page)
        expect(chat_log(page).get_by_text("¿Dónde está el bache?")).to_be_visible()
        photo = small_jpeg(page)
        assert len(photo) > 1000
        page.locator("input[type=file]").set_input_files(
            {"name": "bache.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
        expect(page.get_by_role("alert")).to_have_text(
            "Demasiadas fotos desde tu conexión hoy. Descríbelo con palabras o intenta mañana."
        )
        expect(page.get_by_alt_text("Tu foto")).to_have_count(0)  # the refused photo is not shown as sent
        send_text(page, "Morelos y 5 de Mayo")  # the conversation goes on in words
        expect(chat_log(page).get_by_text("Si puedes, mándanos una foto")).to_be_visible()
        assert page.dialogs == [] and page.errors == []
    finally:
        page.context.close()
    assert not (strict_server.media.exists() and any(strict_server.media.iterdir()))  # nothing kept
