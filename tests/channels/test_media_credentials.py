"""Providers' credentials go over https to the providers' own hosts only, redirects included (issue 12, point 6)."""

from __future__ import annotations

import base64
import json

import pytest
import responses

from bot.channels import twilio, whatsapp
from bot.db.tables import Message
from bot.messaging.sending import SendError
from tests.support.app import ACCOUNT_SID, AUTH_TOKEN, Resident, all_rows
from tests.support.twilio_api import PHOTO
from tests.support.whatsapp import ACCESS_TOKEN, GRAPH, make_app

TWILIO_MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
TWILIO_CDN = "https://mms.twiliocdn.com/AC0/abc?Expires=1764003900&Signature=x"
BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
BEARER = f"Bearer {ACCESS_TOKEN}"
MEDIA_ID = "1479537139650973"


@pytest.fixture
def svc(app):
    with app.app_context():
        yield app.extensions["ventanilla"]


@pytest.fixture
def meta_svc(tmp_path, redis_url):
    app = make_app(tmp_path, redis_url)
    with app.app_context():
        yield app.extensions["ventanilla"]


def serve(no_network, url: str, status: int = 200, location: str = "", body: bytes = PHOTO) -> list[dict]:
    """A mocked GET that records the headers it was sent; a redirect when location is given."""
    seen: list[dict] = []

    def answer(request):
        seen.append(dict(request.headers))
        if location:
            return (status, {"Location": location}, b"")
        return (status, {"Content-Type": "image/jpeg"}, body)

    no_network.add_callback(responses.GET, url, callback=answer)
    return seen


def refused(call) -> SendError:
    with pytest.raises(SendError) as caught:
        call()
    assert caught.value.retryable is False and caught.value.code == "media_url"
    return caught.value


# --- Twilio ---------------------------------------------------------------------------------------


def test_twilio_credentials_go_to_its_api_and_not_to_where_it_redirects(svc, no_network):
    api = serve(no_network, TWILIO_MEDIA, 307, location=TWILIO_CDN)
    cdn = serve(no_network, TWILIO_CDN)
    assert twilio.fetch_media(svc, {"url": TWILIO_MEDIA}) == (PHOTO, "image/jpeg")
    assert api[0]["Authorization"] == BASIC
    assert "Authorization" not in cdn[0]  # a signed, short-lived URL: it needs no credentials


def test_a_twilio_redirect_to_another_host_gets_no_credentials(svc, no_network):
    serve(no_network, TWILIO_MEDIA, 302, location="https://elsewhere.example.org/photo.jpg")
    other = serve(no_network, "https://elsewhere.example.org/photo.jpg")
    twilio.fetch_media(svc, {"url": TWILIO_MEDIA})
    assert len(other) == 1 and "Authorization" not in other[0]


@pytest.mark.parametrize(
    "url",
    [
        TWILIO_MEDIA.replace("https://", "http://"),  # plain http, even to Twilio
        "https://attacker.example.org/2010-04-01/Media/ME1",  # not Twilio's
        "https://api.twilio.com.attacker.example.org/Media/ME1",
        f"https://api.twilio.com@attacker.example.org/{ACCOUNT_SID}/Media/ME1",  # user info before the real host
        "https://attacker.example.org\\@api.twilio.com/Media/ME1",
        "ftp://api.twilio.com/Media/ME1",
        "",
    ],
)
def test_twilio_media_elsewhere_or_over_http_is_refused_before_any_request(svc, no_network, url):
    refused(lambda: twilio.fetch_media(svc, {"url": url}))
    assert len(no_network.calls) == 0


def test_a_twilio_redirect_to_plain_http_is_refused(svc, no_network):
    serve(no_network, TWILIO_MEDIA, 301, location="http://mms.twiliocdn.com/AC0/abc")
    refused(lambda: twilio.fetch_media(svc, {"url": TWILIO_MEDIA}))
    assert len(no_network.calls) == 1


def test_endless_redirects_end(svc, no_network):
    serve(no_network, TWILIO_MEDIA, 302, location=TWILIO_MEDIA)
    refused(lambda: twilio.fetch_media(svc, {"url": TWILIO_MEDIA}))


def test_a_regional_twilio_api_host_gets_the_credentials(svc, no_network):
    url = TWILIO_MEDIA.replace("api.twilio.com", "api.dublin.ie1.twilio.com")
    seen = serve(no_network, url)
    twilio.fetch_media(svc, {"url": url})
    assert seen[0]["Authorization"] == BASIC


def test_an_http_media_url_in_a_webhook_is_recorded_as_a_failure_without_a_request(client, run_worker, db, no_network):
    """A signed webhook naming an http media URL: the download job records the item as failed, nothing is fetched."""
    Resident(client).send("whatsapp_image", MediaUrl0=TWILIO_MEDIA.replace("https://", "http://"))
    run_worker()
    assert len(no_network.calls) == 0
    (message,) = [m for m in all_rows(db, Message) if m.direction == "in"]
    (item,) = message.data["media"]
    assert "stored" not in item and item.get("error")


# --- Meta -----------------------------------------------------------------------------------------


def graph_answers(no_network, url: str) -> list[dict]:
    seen: list[dict] = []

    def lookup(request):
        seen.append(dict(request.headers))
        return (200, {"Content-Type": "application/json"}, json.dumps({"url": url, "mime_type": "image/jpeg"}))

    no_network.add_callback(responses.GET, f"{GRAPH}/{MEDIA_ID}", callback=lookup)
    return seen


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example.org/whatsapp_business/attachments/?mid=1",  # the Graph answer names another host
        "http://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",  # Meta's host, but plain http
        "https://lookaside.fbsbx.com.attacker.example.org/?mid=1",
        "javascript:alert(1)",
    ],
)
def test_meta_token_is_not_sent_where_the_graph_answer_points_outside_meta(meta_svc, no_network, url):
    graph = graph_answers(no_network, url)
    refused(lambda: whatsapp.fetch_media(meta_svc, {"url": f"meta:{MEDIA_ID}"}))
    assert graph[0]["Authorization"] == BEARER and len(no_network.calls) == 1  # the lookup, nothing after it


def test_meta_token_goes_to_its_media_host_and_not_past_a_redirect_elsewhere(meta_svc, no_network):
    lookaside = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
    graph_answers(no_network, lookaside)
    meta = serve(no_network, lookaside, 302, location="https://files.example.org/1.jpg")
    other = serve(no_network, "https://files.example.org/1.jpg")
    assert whatsapp.fetch_media(meta_svc, {"url": f"meta:{MEDIA_ID}"}) == (PHOTO, "image/jpeg")
    assert meta[0]["Authorization"] == BEARER and "Authorization" not in other[0]


def test_meta_graph_over_plain_http_is_refused_before_any_request(meta_svc, no_network):
    meta_svc.config = meta_svc.config.replace(whatsapp_graph_url="http://graph.facebook.com/v21.0")
    refused(lambda: whatsapp.fetch_media(meta_svc, {"url": f"meta:{MEDIA_ID}"}))
    assert len(no_network.calls) == 0
