"""Meta's side of the WhatsApp tests: signed webhook posts, a resident, and the Graph API mocked with `responses`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import responses

from bot import create_app
from tests.support.app import FIXTURES, app_settings

APP_SECRET = "test-meta-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "EAAtest-access-token"
PHONE_NUMBER_ID = "112233445566778"
GRAPH = "https://graph.example.test/v21.0"
MESSAGES_URL = f"{GRAPH}/{PHONE_NUMBER_ID}/messages"
LOOKASIDE = "https://lookaside.fbsbx.com/whatsapp_business/attachments/"  # Meta's media host: the token goes there only
WEBHOOK_PATH = "/webhooks/whatsapp"
LUPITA = "5218112345678"  # WhatsApp keeps Mexico's old mobile "1": she is +528112345678
_ids = itertools.count(1)


def make_app(tmp_path, redis_url):
    """The app of conftest's `app` fixture, with Meta's settings too."""
    return create_app(
        app_settings(
            tmp_path,
            redis_url,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_token=ACCESS_TOKEN,
            whatsapp_phone_number_id=PHONE_NUMBER_ID,
            whatsapp_graph_url=GRAPH,
        )
    )


def whatsapp_fixture(name: str) -> dict:
    """Return a captured-style Cloud API webhook payload."""
    return json.loads((FIXTURES / "whatsapp" / f"{name}.json").read_text())


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    """Sign a raw body the way Meta does (X-Hub-Signature-256)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, payload, signature: str | bool | None = None):
    """POST a payload (dict, or raw bytes) to the webhook, signed unless signature is False or given."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {} if signature is False else {"X-Hub-Signature-256": signature or meta_signature(body)}
    return client.post(WEBHOOK_PATH, data=body, headers=headers, content_type="application/json")


def text_payload(wa_id: str, text: str, wamid: str, name: str = "Lupita", timestamp: int | None = None) -> dict:
    """A Cloud API webhook body carrying one text from a resident (the shape of fixtures/whatsapp/text.json)."""
    payload = whatsapp_fixture("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    message = value["messages"][0]
    message.update(
        {"from": wa_id, "id": wamid, "timestamp": str(timestamp or int(time.time())), "text": {"body": text}}
    )
    return payload


def first_message(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


class MetaResident:
    """A resident on WhatsApp through Meta: each message is a fixture with a fresh wamid, posted signed."""

    def __init__(self, client, wa_id: str = LUPITA, name: str = "Lupita"):
        self.client, self.wa_id, self.name = client, wa_id, name

    def payload(self, fixture: str = "text", wamid: str | None = None, **content) -> dict:
        payload = whatsapp_fixture(fixture)
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"] = [{"profile": {"name": self.name}, "wa_id": self.wa_id}]
        message = value["messages"][0]
        message.update(
            {
                "from": self.wa_id,
                "id": wamid or f"wamid.TEST{next(_ids):012d}",
                "timestamp": str(int(time.time())),
            }
        )
        message.update(content)
        return payload

    def send(self, fixture: str = "text", wamid: str | None = None, **content):
        response = post(self.client, self.payload(fixture, wamid, **content))
        assert response.status_code == 200, response.data
        assert response.get_json() == {"ok": True}
        return response

    def says(self, text: str, wamid: str | None = None):
        return self.send("text", wamid, text={"body": text})

    def taps(self, reply_id: str, title: str, kind: str = "button_reply"):
        return self.send(
            "interactive_button_reply",
            interactive={"type": kind, kind: {"id": reply_id, "title": title}},
        )


class GraphAPI:
    """The Graph API's messages endpoint: records each request and answers with a new wamid.

    `fail_first` answers (status, json) lists the first requests' answers instead.
    """

    def __init__(
        self,
        no_network,
        fail_first: list[tuple[int, dict]] = (),
        wamids: list[str] = (),
    ):
        self.requests: list[dict] = []
        self.failures, self.wamids = list(fail_first), list(wamids)
        self.sent: list[dict] = []  # the bodies answered 200
        no_network.add_callback(responses.POST, MESSAGES_URL, callback=self._answer)

    def _answer(self, request):
        body = json.loads(request.body)
        self.requests.append({"headers": dict(request.headers), "body": body})
        if self.failures:
            status, answer = self.failures.pop(0)
            return (status, {"Content-Type": "application/json"}, json.dumps(answer))
        wamid = self.wamids.pop(0) if self.wamids else f"wamid.OUT{len(self.sent) + 1:06d}"
        self.sent.append({**body, "wamid": wamid})
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }
        return (200, {"Content-Type": "application/json"}, json.dumps(answer))

    def texts(self) -> list[str]:
        """What the resident read, one entry per message sent."""
        return [b["text"]["body"] if b["type"] == "text" else b["interactive"]["body"]["text"] for b in self.sent]


def graph_media(no_network, media_id: str, content: bytes, mime_type: str = "image/jpeg") -> list[str]:
    """Meta's two-step media download (look up the URL, then fetch it), both wanting the bearer token.

    Returns the list of URLs fetched, in order.
    """
    fetched = []
    download_url = f"{LOOKASIDE}?mid={media_id}&ext=1764003900&hash=ATsomething"

    def lookup(request):
        fetched.append(request.url)
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return (
                401,
                {},
                json.dumps({"error": {"code": 190, "message": "Invalid OAuth access token"}}),
            )
        info = {
            "messaging_product": "whatsapp",
            "url": download_url,
            "mime_type": mime_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "file_size": len(content),
            "id": media_id,
        }
        return (200, {"Content-Type": "application/json"}, json.dumps(info))

    def download(request):
        fetched.append(request.url)
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return (401, {}, "")
        return (200, {"Content-Type": mime_type}, content)

    no_network.add_callback(responses.GET, f"{GRAPH}/{media_id}", callback=lookup)
    no_network.add_callback(responses.GET, download_url, callback=download)
    return fetched
