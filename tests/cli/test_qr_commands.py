"""`ventanilla qr FLOW` writes a card per park: PNG and SVG codes that hold the wa.me link, a PDF a card a page."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest

from bot.cli.main import main
from tests.support.app import ROOT
from tests.support.qr import decode, page_code, pdf_pages, whatsapp_message

CLOUTHIER = "https://wa.me/528112345678?text=Hola%2C%20quiero%20evaluar%20Parque%20Clouthier%20%28P001%29"


@pytest.fixture
def env() -> dict:
    return {"FLOWS_PATH": str(ROOT / "flows.yaml"), "WHATSAPP_NUMBER": "+52 1 81 1234 5678", "TWILIO_WHATSAPP_FROM": ""}


def test_every_park_gets_a_png_an_svg_and_a_pdf_page_whose_code_opens_whatsapp_with_its_message(runner, env, tmp_path):
    out = tmp_path / "cards"
    result = runner.invoke(main, ["qr", "park_evaluation", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"park_evaluation: 230 cards (whatsapp) in {out}/: 230 PNG, 230 SVG, park_evaluation.pdf, cards.csv\n"
    )
    assert len(list(out.glob("P*.png"))) == len(list(out.glob("P*.svg"))) == 230
    assert decode((out / "P001.png").read_bytes()) == CLOUTHIER  # "+52 1 81…": the old mobile 1 is dropped
    number, message = whatsapp_message(decode((out / "P230.png").read_bytes()))
    assert (number, message) == ("528112345678", "Hola, quiero evaluar Jardín Las Cumbres (P230)")
    svg = ET.parse(out / "P001.svg").getroot()
    assert (
        svg.tag == "{http://www.w3.org/2000/svg}svg"
        and svg.find("{http://www.w3.org/2000/svg}title").text == "Parque Clouthier"
    )

    pages = pdf_pages((out / "park_evaluation.pdf").read_bytes())
    with (out / "cards.csv").open(encoding="utf-8-sig") as handle:
        index = list(csv.DictReader(handle))
    assert len(pages) == len(index) == 230
    for page, row in zip(pages, index):  # one card a page, in the file's order: name, call to action, code
        text = " ".join(page.extract_text().split())
        assert text.startswith(row["name"]) and text.endswith(f"https://wa.me/528112345678 · {row['code']}"), text
        assert "Escanea este código con tu celular y califica este parque en un minuto." in text
    for n in (0, 115, 229):
        assert page_code(pages[n]) == index[n]["link"]
        assert whatsapp_message(index[n]["link"])[1] == index[n]["message"]
    assert index[0] == {
        "code": "P001",
        "name": "Parque Clouthier",
        "message": "Hola, quiero evaluar Parque Clouthier (P001)",
        "link": CLOUTHIER,
    }


def test_web_chat_cards_open_the_citys_page_at_the_survey(runner, env, tmp_path):
    env = {**env, "WHATSAPP_NUMBER": "", "WEBCHAT_PAGE_URL": "https://www.sanisidro.gob.mx/atencion?x=1"}
    result = runner.invoke(
        main, ["qr", "park_evaluation", "--channel", "webchat", "--format", "png", "--out", str(tmp_path)], env=env
    )
    assert result.exit_code == 0, result.output
    assert decode((tmp_path / "P007.png").read_bytes()) == "https://www.sanisidro.gob.mx/atencion?x=1#ventanilla=P007"
    assert not list(tmp_path.glob("*.svg")) and not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize(
    "variables, arguments, said",
    [
        (
            {"WHATSAPP_NUMBER": ""},
            ["park_evaluation"],
            "Error: The city's WhatsApp number is not set: set WHATSAPP_NUMBER (such as +52 81 1234 5678) or"
            " TWILIO_WHATSAPP_FROM. Web chat cards need no number.",
        ),
        (
            {"WHATSAPP_NUMBER": "", "TWILIO_WHATSAPP_FROM": "whatsapp:12"},
            ["park_evaluation"],
            "Error: TWILIO_WHATSAPP_FROM is not a phone number WhatsApp could have: 12",
        ),
        (
            {"WHATSAPP_NUMBER": "llámanos"},
            ["park_evaluation"],
            "Error: WHATSAPP_NUMBER='llámanos': Input should be a phone number, such as +52 81 1234 5678",
        ),
        (
            {},
            ["park_evaluation", "--channel", "webchat"],
            "Error: The web chat's page is not set: set WEBCHAT_PAGE_URL (the city's page with the widget).",
        ),
        (
            {},
            ["pothole"],
            "Error: Flow pothole has no QR cards: give it a qr: section in flows.yaml (see docs/flows.md).",
        ),
        ({}, ["parques"], "Error: no flow named 'parques' in"),
    ],
)
def test_what_is_missing_is_said_without_a_traceback_and_nothing_is_written(
    runner, env, tmp_path, variables, arguments, said
):
    result = runner.invoke(main, ["qr", *arguments, "--out", str(tmp_path / "cards")], env={**env, **variables})
    assert result.exit_code == 1 and result.output.startswith(said), result.output
    assert "Traceback" not in result.output and not (tmp_path / "cards").exists()
