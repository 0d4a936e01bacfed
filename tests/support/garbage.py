"""Hypothesis strategies for tests/test_garbage.py: hostile text, broken forms, broken JSON, bad bytes.

Everything here builds payloads only; the test module posts them and checks what the app stored.
"""

from __future__ import annotations

import json
import string

from hypothesis import strategies as st

# --- text a resident (or an attacker) might type ---------------------------------------------------

SQL = [
    "'; DROP TABLE message; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "1; DELETE FROM ticket",
    "%' AND 1=0 UNION SELECT sql FROM sqlite_master --",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "]]><Message>pwned</Message>",
    "<![CDATA[x]]>",
    "&amp;&lt;&#0;&#x1F4A5;",
    "<?xml version='1.0'?>",
    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    "\"'><svg/onload=alert(1)>",
    "javascript:alert(1)",
]
TEMPLATES = [
    "{folio}",
    "{location}",
    "{0}",
    "%s%s%n",
    "{{7*7}}",
    "${jndi:ldap://x/a}",
    "{__class__}",
]
ODD = [
    "",
    " ",
    "\x00",
    "\x00\x01\x02\x1b[31m",
    "\u202e\u202d",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0001d573\U0001d594",
    "👩🏽‍🔧",
    "ñandú",
    "\r\n",
    "\r",
    "\t",
    "../../etc/passwd",
    "%00",
    "%ff",
    "\\",
    "whatsapp:",
    "NaN",
    "-0",
    "1e309",
    "0x1F",
    "٣",
    "null",
    "true",
    "[]",
    "{}",
]
HOSTILE = SQL + MARKUP + TEMPLATES + ODD


def hostile_text(max_size: int = 120) -> st.SearchStrategy[str]:
    """Unicode (control characters and NULs included), SQL, markup, placeholders, now and then very long."""
    piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(HOSTILE),
        st.lists(piece, min_size=2, max_size=6).map("".join),
        st.builds(
            lambda s, n: s * n,
            st.sampled_from(["a", "ñ", "💥", "\x00", "'", "<"]),
            st.integers(2_000, 20_000),
        ),
    )


# Lone surrogates: not text at all, yet valid JSON ("\\ud800") decodes to them (only JSON bodies can carry them).
SURROGATES = ["\ud800", "\udfff", "a\udc80b", "\udbff\udbff", "\ud83d"]


def json_text(max_size: int = 120) -> st.SearchStrategy[str]:
    """hostile_text, and now and then a lone surrogate in it."""
    return st.one_of(
        hostile_text(max_size),
        st.sampled_from(SURROGATES),
        st.tuples(hostile_text(20), st.sampled_from(SURROGATES)).map("".join),
    )


# What a number field might hold instead of a number.
NOT_NUMBERS = [
    "dos",
    "north",
    "norte",
    "",
    " ",
    "-",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "1_0",
    " 2 ",
    "٣",
    "²",
    "1.5",
    "-1",
    "11",
    "10",
    "100",
    "9" * 30,
    "9" * 5000,
    "25,6",
    "25.6.1",
    "90.0000001",
    "-180.5",
    "\x00",
    "1\x00",
    "0" * 100 + "1",
]


def numberish() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NOT_NUMBERS),
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        hostile_text(20),
    )


# --- Twilio: form fields -----------------------------------------------------------------------------

TWILIO_KEYS = [
    "From",
    "To",
    "Body",
    "MessageSid",
    "SmsMessageSid",
    "SmsSid",
    "AccountSid",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "MediaUrl1",
    "MediaUrl9",
    "MediaUrl10",
    "Latitude",
    "Longitude",
    "Address",
    "Label",
    "ProfileName",
    "WaId",
    "ButtonPayload",
    "ButtonText",
    "MessageType",
    "MessageStatus",
    "ErrorCode",
]
NUMERIC_KEYS = {"NumMedia", "Latitude", "Longitude"}


def twilio_senders(good: str) -> st.SearchStrategy[str]:
    """Mostly the example's own resident (on WhatsApp or SMS), sometimes a sender that is no phone at all."""
    bare = good.removeprefix("whatsapp:")
    return st.one_of(
        st.sampled_from([good, bare, f"whatsapp:{bare}", f" {good} "]),
        st.sampled_from(
            [
                "",
                "whatsapp:",
                "whatsapp:whatsapp:+528110000000",
                "+52",
                "+52" * 200,
                "not-a-number",
                "whatsapp:+5218110000000\x00",
                "+52 81 ☎",
                "sip:lupita@example.com",
                "messenger:123",
            ]
        ),
        hostile_text(40),
    )


def field_value(key: str) -> st.SearchStrategy[str]:
    return numberish() if key in NUMERIC_KEYS else hostile_text()


@st.composite
def twilio_form(draw, base: dict, sender: str, sid: str) -> list[tuple[str, str]]:
    """A Twilio form as (key, value) pairs: a real one with fields dropped, garbled, added or duplicated."""
    form = {**base, "From": draw(twilio_senders(sender))}
    form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = draw(st.one_of(st.just(sid), hostile_text(40)))
    for key in draw(
        st.lists(
            st.sampled_from(sorted(set(form) | set(TWILIO_KEYS))),
            max_size=4,
            unique=True,
        )
    ):
        action = draw(st.sampled_from(["drop", "garble", "garble", "empty"]))
        if action == "drop":
            form.pop(key, None)
        else:
            form[key] = "" if action == "empty" else draw(field_value(key))
    for key, value in draw(st.lists(st.tuples(hostile_text(30), hostile_text(30)), max_size=3)):
        form.setdefault(key, value)  # unknown fields (odd names included)
    pairs = list(form.items())
    for key, value in draw(st.lists(st.tuples(st.sampled_from(TWILIO_KEYS), hostile_text(30)), max_size=2)):
        pairs.append((key, value))  # the same field twice
    return draw(st.permutations(pairs))


# --- JSON: wrong types at every level -----------------------------------------------------------------

META_KEYS = [
    "object",
    "entry",
    "id",
    "changes",
    "field",
    "value",
    "messaging_product",
    "metadata",
    "display_phone_number",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "messages",
    "from",
    "timestamp",
    "type",
    "text",
    "body",
    "location",
    "latitude",
    "longitude",
    "address",
    "image",
    "mime_type",
    "caption",
    "filename",
    "voice",
    "interactive",
    "button_reply",
    "list_reply",
    "title",
    "button",
    "payload",
    "formatted_name",
    "phones",
    "phone",
    "statuses",
    "status",
    "errors",
    "code",
    "reaction",
    "system",
]
KINDS = [
    "text",
    "text",
    "interactive",
    "interactive",
    "button",
    "location",
    "location",
    "location",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "contacts",
    "contacts",
    "contacts",
    "reaction",
    "system",
    "unsupported",
    "order",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    json_text(40),
    st.sampled_from([10**4000, -(10**400), 0, 1, -1, 1e308, 5e-324]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(META_KEYS), json_text(8)), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, prefix + (index,))


def _get(tree, path):
    for step in path:
        tree = tree[step]
    return tree


@st.composite
def mutated(draw, tree, max_mutations: int = 3, focus: tuple = ()):
    """The tree with 1..n nodes replaced by wrong types, removed, emptied, wrapped or turned into strings.

    With `focus` (a path prefix), most mutations fall under it: garbage in the envelope is only ever a 400.
    """
    tree = json.loads(json.dumps(tree))
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = list(_paths(tree))
        focused = [p for p in paths if focus and p[: len(focus)] == focus and len(p) > len(focus)]
        if focused and draw(st.integers(0, 4)):
            paths = focused
        path = draw(st.sampled_from(paths))
        node = _get(tree, path)
        action = draw(st.sampled_from(["replace", "replace", "drop", "empty", "wrap", "stringify", "add"]))
        if action == "replace" or (not path and action == "drop"):
            new = draw(json_values)
        elif action == "drop":
            parent = _get(tree, path[:-1])
            del parent[path[-1]]
            continue
        elif action == "empty":
            new = type(node)() if isinstance(node, (dict, list, str)) else None
        elif action == "wrap":
            new = draw(st.sampled_from([[node], {"value": node}, [node, node]]))
        elif action == "stringify":
            new = json.dumps(node)
        else:  # add a key or an item of any type
            if isinstance(node, dict):
                node[draw(st.sampled_from(META_KEYS))] = draw(json_values)
            elif isinstance(node, list):
                node.append(draw(json_values))
            continue
        if path:
            _get(tree, path[:-1])[path[-1]] = new
        else:
            tree = new
    return tree


# --- Meta: messages shaped right, with wrong-typed leaves -----------------------------------------------


def _maybe(value_strategy, good, wrong_in: int = 5):
    """The good value, or (one time in `wrong_in`) a wrong one: too much garbage at once is only ever a 400."""
    # sampled_from shrinks towards its first element: the good value (st.integers would favour its bounds)
    right = good if isinstance(good, st.SearchStrategy) else st.just(good)
    return st.sampled_from(range(wrong_in)).flatmap(
        lambda n: st.one_of(value_strategy, json_values) if n == wrong_in - 1 else right
    )


@st.composite
def meta_message(draw, wa_id: str, wamid: str) -> dict:
    """One Cloud API message of any type, its fields right or of the wrong type."""
    kind = draw(st.sampled_from(KINDS))
    text = st.one_of(json_text(), json_values)
    said = st.one_of(
        st.sampled_from(["hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí", "1"]),
        json_text(),
    )  # what residents write
    bodies = {
        "text": st.fixed_dictionaries({"body": _maybe(text, said)}),
        "interactive": st.fixed_dictionaries(
            {
                "type": _maybe(
                    st.sampled_from(["button_reply", "list_reply", "nfm_reply", ""]),
                    "button_reply",
                ),
                "button_reply": _maybe(
                    st.fixed_dictionaries({"id": _maybe(text, "pothole"), "title": text}),
                    st.fixed_dictionaries({"id": st.just("pothole"), "title": said}),
                ),
                "list_reply": _maybe(
                    st.fixed_dictionaries({"id": text, "title": text, "description": text}),
                    {"id": "trash", "title": "Basura"},
                ),
            }
        ),
        "button": st.fixed_dictionaries({"text": _maybe(text, said), "payload": _maybe(text, "yes")}),
        "location": st.fixed_dictionaries(
            {
                "latitude": _maybe(st.one_of(numberish(), scalars), 25.6581),
                "longitude": _maybe(st.one_of(numberish(), scalars), -100.4025),
                "name": _maybe(text, said),
                "address": _maybe(text, said),
            }
        ),
        "contacts": st.lists(
            _maybe(
                st.fixed_dictionaries(
                    {
                        "name": _maybe(
                            st.fixed_dictionaries({"formatted_name": _maybe(text, said)}),
                            {"formatted_name": "Juan Pérez"},
                        ),
                        "phones": _maybe(
                            st.lists(
                                _maybe(
                                    st.fixed_dictionaries({"phone": text, "wa_id": text}),
                                    {"phone": "+52 81 8765 0000"},
                                ),
                                max_size=3,
                            ),
                            [{"phone": "+52 81 8765 0000"}],
                        ),
                    }
                ),
                {"name": {"formatted_name": "Juan"}, "phones": []},
            ),
            max_size=3,
        ),
        "reaction": st.fixed_dictionaries({"message_id": text, "emoji": text}),
    }
    media = st.fixed_dictionaries(
        {
            "id": _maybe(
                st.one_of(
                    hostile_text(40),
                    st.sampled_from(["../../me", "a" * 129, "a/b", "ok_id-1\n"]),
                ),
                "1234567890",
            ),
            "mime_type": _maybe(text, "image/jpeg"),
            "caption": _maybe(text, said),
            "filename": text,
            "voice": scalars,
        }
    )
    message = {
        "from": draw(_maybe(st.sampled_from(["", "+", "52", "5218110000000\n", "abc"]), wa_id, 8)),
        "id": draw(_maybe(json_text(40), wamid, 8)),
        "timestamp": draw(_maybe(st.one_of(numberish(), scalars), "1764004200")),
        "type": kind,
    }
    if draw(st.integers(0, 3)) or kind == "contacts":
        body = bodies.get(
            kind,
            media if kind in ("image", "document", "audio", "video", "sticker") else json_values,
        )
        message["contacts" if kind == "contacts" else kind or "x"] = draw(st.one_of(body, body, body, json_values))
    return message


@st.composite
def meta_batch(draw, wa_id: str, wamids) -> dict:
    """A whole webhook body: one entry and change (sometimes more), messages and statuses with wrong types here and there."""
    messages = [draw(meta_message(wa_id, next(wamids))) for _ in range(draw(st.integers(0, 3)))]
    statuses = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "id": _maybe(hostile_text(40), "wamid.OUT000001"),
                    "status": _maybe(hostile_text(20), "delivered"),
                    "errors": st.one_of(
                        json_values,
                        st.just([{"code": 131047, "title": "Re-engagement message"}]),
                    ),
                }
            ),
            max_size=2,
        )
    )
    value = {
        "messaging_product": "whatsapp",
        "metadata": draw(_maybe(json_values, {"display_phone_number": "5218187654321"}, 10)),
        "contacts": draw(
            _maybe(
                json_values,
                [{"profile": {"name": draw(json_text(40))}, "wa_id": wa_id}],
                10,
            )
        ),
    }
    if messages or draw(st.booleans()):
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    change = {"field": draw(_maybe(json_values, "messages", 10)), "value": value}
    return {
        "object": draw(_maybe(json_values, "whatsapp_business_account", 10)),
        "entry": [{"id": "104455667788990", "changes": [change]}],
    }


# --- bytes on the wire ----------------------------------------------------------------------------------

BAD_BYTES = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\x80\x80",
    b"\xf4\x90\x80\x80",
    b"\x00",
    b"\xc0\xaf",
]


def nested(depth: int, kind: str = "list") -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


@st.composite
def json_bytes(draw, tree, oversize: bool = True) -> bytes:
    """A JSON document as bytes, sometimes damaged: truncated, invalid UTF-8, latin-1, UTF-16, deep, NaN, huge."""
    text = json.dumps(
        tree, ensure_ascii=draw(st.booleans())
    )  # ensure_ascii=False may hold lone surrogates: surrogatepass
    choices = (
        ["plain"] * 12
        + [
            "truncated",
            "bad_bytes",
            "latin1",
            "utf16",
            "bom",
            "deep",
            "deep_inside",
            "long_number",
            "dup_keys",
            "not_json",
            "empty",
        ]
        + (["huge"] if oversize else [])
    )
    how = draw(st.sampled_from(choices))
    if how == "plain":
        return text.encode("utf-8", "surrogatepass")
    if how == "truncated":
        raw = text.encode("utf-8", "surrogatepass")
        return raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    if how == "bad_bytes":
        raw = text.encode("utf-8", "surrogatepass")
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from(BAD_BYTES)) + raw[at:]
    if how == "latin1":
        return json.dumps(tree, ensure_ascii=False).encode("latin-1", "replace") + "ñ".encode("latin-1")
    if how == "utf16":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"])), "surrogatepass")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how == "deep":
        return nested(
            draw(st.sampled_from([50, 5_000, 100_000])),
            draw(st.sampled_from(["list", "dict"])),
        )
    if how == "deep_inside":  # a valid document with a very deep value where a small one belongs
        marker = '"__deep__"'
        inner = mutated_marker(tree)
        depth = draw(st.sampled_from([2_000, 50_000]))
        return json.dumps(inner).replace(marker, nested(depth).decode(), 1).encode()
    if how == "long_number":  # more digits than Python's int() takes from a string (4300)
        return json.dumps(mutated_marker(tree)).replace('"__deep__"', "1" + "0" * 5000, 1).encode()
    if how == "dup_keys":
        doubled = text.replace("{", '{"object": 1, "status": [], "token": {}, ', 1) if text.startswith("{") else text
        return doubled.encode("utf-8", "surrogatepass")
    if how == "not_json":
        return draw(
            st.one_of(
                st.binary(max_size=200),
                st.sampled_from(
                    [
                        b"{not json",
                        b"null",
                        b"1",
                        b'"x"',
                        b"[]",
                        b"NaN",
                        b"-Infinity",
                        b"\x00",
                        b"{'a': 1}",
                        b'{"a":}',
                    ]
                ),
            )
        )
    if how == "empty":
        return b""
    # huge: over the app's 1 MiB MAX_CONTENT_LENGTH
    return json.dumps({"padding": "x" * (1024 * 1024), "tree": tree}).encode()


def mutated_marker(tree):
    """The tree with its first leaf (depth-first) replaced by "__deep__"."""
    tree = json.loads(json.dumps(tree))
    paths = [p for p in _paths(tree) if p and not isinstance(_get(tree, p), (dict, list))]
    if not paths:
        return {"value": "__deep__"}
    _get(tree, paths[0][:-1])[paths[0][-1]] = "__deep__"
    return tree


CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "text/xml",
    "",
    "application/json; charset=\x00",
]

# --- multipart, by hand, so it can be broken ---------------------------------------------------------------

TOKEN_CHARS = string.ascii_letters + string.digits + "-_"
