"""The channel registry: one dict, every channel the same Provider, no name registered twice."""

from __future__ import annotations

import pytest

from bot import channels
from bot.channels.provider import Capabilities, Provider

MEMBERS = list(Provider.__annotations__) + ["verify", "parse_request", "reply", "send", "fetch_media"]


@pytest.mark.parametrize("name", sorted(channels.CHANNELS))
def test_every_channel_has_the_providers_names(name):
    module = channels.provider(name)
    assert [m for m in MEMBERS if not hasattr(module, m)] == []
    assert name == module.NAME and isinstance(module.CAPABILITIES, Capabilities)


def test_registering_a_name_twice_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        channels.register("twilio", "webchat")
    assert channels.CHANNELS["twilio"] == "twilio"


def test_capabilities_decide_inline_replies_and_downloads():
    assert [n for n in sorted(channels.CHANNELS) if channels.replies_inline(n)] == ["twilio", "webchat"]
    assert [n for n in sorted(channels.CHANNELS) if channels.downloads_media(n)] == ["meta", "twilio"]
    assert not channels.replies_inline("simulator") and not channels.downloads_media("simulator")
