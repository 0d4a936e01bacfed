"""Both signature schemes, as departments would compute them by hand."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from bot.messaging.signing import (
    MAX_SKEW_SECONDS,
    is_signed,
    request_problem,
    sign,
    sign_request,
    signed_message,
)

KEY = "k" * 64
PATH = "/api/v1/tickets/2611-ABC123/status"
BODY = b'{"folio":"2611-ABC123","status":"resolved"}'
NOW = 1_767_225_600


def test_the_body_scheme_is_sha256_of_the_body():
    expected = "sha256=" + hmac.new(KEY.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(KEY, BODY) == expected
    assert is_signed(KEY, BODY, expected) and is_signed(KEY, BODY, expected.upper().replace("SHA256=", "sha256="))
    assert not is_signed("", BODY, sign("", BODY))  # never with an empty secret
    assert not is_signed(KEY, BODY + b" ", expected)


def test_the_v1_scheme_covers_timestamp_method_path_and_body_as_documented():
    message = f"{NOW}.POST.{PATH}.".encode() + BODY
    assert signed_message(NOW, "post", PATH, BODY) == message
    assert (
        sign_request(KEY, NOW, "POST", PATH, BODY)
        == "v1=" + hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    )


def check(signature: str, timestamp: str = str(NOW), now: float = NOW, path: str = PATH, body: bytes = BODY, key=KEY):
    return request_problem(key, timestamp, signature, "POST", path, body, now)


def test_a_v1_signature_checks_out_within_five_minutes_either_way():
    good = sign_request(KEY, NOW, "POST", PATH, BODY)
    assert check(good) is None
    assert check(good, now=NOW + MAX_SKEW_SECONDS) is None and check(good, now=NOW - MAX_SKEW_SECONDS) is None
    assert check(" " + good.upper().replace("V1=", "v1=") + " ") is None


@pytest.mark.parametrize("now", [NOW + MAX_SKEW_SECONDS + 1, NOW - MAX_SKEW_SECONDS - 1, NOW + 86400])
def test_an_old_or_future_timestamp_is_skew(now):
    assert check(sign_request(KEY, NOW, "POST", PATH, BODY), now=now) == "skew"


def test_anything_else_changed_breaks_the_signature():
    good = sign_request(KEY, NOW, "POST", PATH, BODY)
    assert check(good, path=PATH.replace("ABC123", "XYZ789")) == "signature"  # another folio's URL
    assert check(good, body=BODY + b" ") == "signature"
    assert check(good, timestamp=str(NOW + 1)) == "signature"
    assert check(good, key="o" * 64) == "signature"  # another department's (or the ticket-signing) key
    assert request_problem(KEY, str(NOW), good, "PUT", PATH, BODY, NOW) == "signature"


@pytest.mark.parametrize(
    "timestamp, signature",
    [
        ("", "v1=" + "0" * 64),
        ("1e9", "v1=" + "0" * 64),
        ("-5", "v1=" + "0" * 64),
        (str(NOW), ""),
        (str(NOW), sign(KEY, BODY)),  # the old body-only scheme is not accepted here
        (str(NOW), "v1=" + "0" * 63),
        (str(NOW), "v1=" + "g" * 64),
    ],
)
def test_missing_or_malformed_headers_are_unsigned(timestamp, signature):
    assert check(signature, timestamp=timestamp) == "unsigned"


def test_no_secret_checks_nothing_and_the_clock_is_checked_first():
    unsigned = sign_request("", NOW, "POST", PATH, BODY)
    assert request_problem("", str(NOW), unsigned, "POST", PATH, BODY, NOW) == "signature"
    assert request_problem("", str(NOW - 3600), unsigned, "POST", PATH, BODY, NOW) == "skew"


def readme_block(language: str, after: str) -> str:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index(f"```{language}\n", readme.index(after)) + len(language) + 4
    return textwrap.dedent(readme[start : readme.index("```", start)])


def test_the_readmes_shell_recipe_signs_as_we_check(tmp_path):
    recipe = readme_block("sh", "from a shell (curl and openssl)")
    signing = recipe[: recipe.index("curl ")]  # everything but the request itself
    script = signing + 'printf "%s\\n%s\\n%s" "$T" "$SIG" "$BODY"\n'
    done = subprocess.run(
        ["bash", "-c", script],
        env={"STATUS_SECRET": KEY, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    timestamp, signature, body = done.stdout.split("\n", 2)
    path = "/api/v1/tickets/2611-7K3M9Q/status"
    assert request_problem(KEY, timestamp, "v1=" + signature, "POST", path, body.encode(), int(timestamp)) is None


def test_the_readmes_python_recipe_signs_as_we_check(monkeypatch):
    recipe = readme_block("python", "The body's `folio` is required")
    sent = []
    monkeypatch.setattr("requests.post", lambda url, data, headers, timeout: sent.append((url, data, headers)))
    monkeypatch.setenv("STATUS_SECRET", KEY)
    exec(recipe, {})
    ((url, body, headers),) = sent
    path = url.removeprefix("https://ventanilla.example.gob.mx")
    timestamp, signature = headers["X-Ventanilla-Timestamp"], headers["X-Ventanilla-Signature-V1"]
    assert request_problem(KEY, timestamp, signature, "POST", path, body, time.time()) is None
    assert json.loads(body)["folio"] == "2611-7K3M9Q"


def test_the_readmes_check_for_departments_accepts_what_our_webhook_sends():
    recipe = readme_block("python", "header will be dropped in a later release")
    namespace: dict = {}
    exec(recipe[: recipe.index("assert ")], namespace)
    from bot.delivery.webhook import signed_headers

    body = b'{"folio":"2611-7K3M9Q"}'
    headers = signed_headers(KEY, "https://obras.example.mx/ventanilla?x=1", body, time.time())
    assert namespace["ventanilla_signed"](KEY, "POST", "/ventanilla", body, headers)
    assert not namespace["ventanilla_signed"](KEY, "POST", "/ventanilla", body + b" ", headers)
    stale = signed_headers(KEY, "https://obras.example.mx/ventanilla", body, time.time() - 600)
    assert not namespace["ventanilla_signed"](KEY, "POST", "/ventanilla", body, stale)
