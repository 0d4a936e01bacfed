"""Text made safe for a header or a log line (bot.messaging.text)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from bot.messaging.text import single_line


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("Morelos 12\r\nBcc: intruso@example.com", "Morelos 12 Bcc: intruso@example.com"),
        ("a\nb\rc\tc\u2028d\u2029e\x85f\x0bg\x0ch\x1ci", "a b c c d e f g h i"),
        ("\x00\x07\x1b[2J\x7f  borrado  ", "[2J borrado"),
        ("", ""),
        (12, "12"),
    ],
)
def test_single_line_collapses_every_line_break_and_drops_control_characters(typed, line):
    assert single_line(typed) == line


def test_single_line_cuts_long_text_with_an_ellipsis_within_its_limit():
    cut = single_line("ñandú " * 20_000, 150)
    assert len(cut) == 150 and cut.endswith("…") and cut.startswith("ñandú ñandú")
    assert single_line("x" * 10, 10) == "x" * 10 and single_line("x" * 11, 10) == "x" * 9 + "…"
    assert single_line("abc", 0) == ""


def test_a_single_line_is_a_header_the_mail_library_takes():
    message = EmailMessage()
    message["Subject"] = single_line("Bache\r\nBcc: intruso@example.com\n" + "é" * 100_000, 150)
    assert "Bcc" not in message and "\n" not in str(message["Subject"])
