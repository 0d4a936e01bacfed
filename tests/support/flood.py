"""A web process flooded with distinct long messages, for tests that watch its memory from outside.

    python -m tests.support.flood MESSAGES BATCH

builds the app as the web process does (`wsgi.py`, settings from the environment) and hands its message
handler MESSAGES distinct emoji-laden WhatsApp texts of 2–4 KB from 50 numbers, as the Twilio webhook would
after checking the signature (HTTP would cost the test minutes; the memory at stake is the handler's). After
every BATCH messages it prints `sent N` and waits for a line on stdin, so the test reads /proc/<pid>/status
while it stands still; it ends after the last one.
"""

from __future__ import annotations

import random
import sys

EMOJI = [chr(c) for c in range(0x1F300, 0x1F650)]  # 4 bytes each in UTF-8
LETTERS = list("abcdeéñ ¡!")
SENDERS = 50


def texts(count: int, seed: int = 12):
    """count distinct texts of 2–4 KB (UTF-8), mostly emoji: a number, then a slice of a random pool."""
    rng = random.Random(seed)
    pool = "".join(rng.choices(EMOJI + LETTERS, weights=[1] * len(EMOJI) + [40] * len(LETTERS), k=1 << 20))
    for n in range(count):
        start = rng.randrange(len(pool) - 1400)
        yield f"{n} " + pool[start : start + rng.randint(700, 1250)]


def main(messages: int, batch: int) -> None:
    from bot import channels
    from bot.conversation.handler import handle_inbound
    from bot.flows import InboundMessage
    from wsgi import app

    svc = app.extensions["ventanilla"]
    carries = channels.carries("whatsapp", via="twilio")
    for n, text in enumerate(texts(messages), 1):
        sender = f"+52181{n % SENDERS:08d}"
        handle_inbound(
            svc,
            InboundMessage(
                "whatsapp", sender, provider="twilio", provider_id=f"SM{n:032x}", text=text, carries=carries
            ),
        )
        if n % batch == 0:
            print(f"sent {n}", flush=True)
            sys.stdin.readline()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
