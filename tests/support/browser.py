"""Debian's Chromium driven by Playwright, for the browser tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def playwright():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install -y chromium)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def small_jpeg(page) -> bytes:
    """A small JPEG drawn by the browser itself: a brown road with a dark hole."""
    data = page.evaluate("""() => new Promise(resolve => {
        const c = document.createElement('canvas'); c.width = 160; c.height = 120;
        const g = c.getContext('2d');
        g.fillStyle = '#6b6b6b'; g.fillRect(0, 0, 160, 120);
        g.fillStyle = '#2b2118'; g.beginPath(); g.ellipse(80, 64, 46, 24, 0, 0, 7); g.fill();
        c.toBlob(b => b.arrayBuffer().then(a => resolve(Array.from(new Uint8Array(a)))), 'image/jpeg', 0.8);
    })""")
    return bytes(data)
