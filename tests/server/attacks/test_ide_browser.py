"""The IDE page under its content security policy, in a real browser: it renders and the policy blocks nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.server.live_server import live_server, prepare_world

playwright_api = pytest.importorskip("playwright.sync_api")

_CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(
    not Path(_CHROMIUM).exists() and not os.environ.get("CI"), reason="Chromium is not installed (make browser)"
)

# Recorded from the page's first script on: any resource or inline code the policy refuses.
_RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_given_the_ide_page_when_opened_in_a_browser_then_it_renders_and_the_policy_blocks_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ide.sqlite3'}"
    prepare_world(url)
    with live_server(url) as server, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_CHROMIUM, args=_FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.add_init_script(_RECORD_VIOLATIONS)
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(server.graphql_url, wait_until="networkidle")
            page.wait_for_selector(".graphiql-editor", timeout=60_000)
            assert page.evaluate("window.__violations") == []
            assert not [error for error in errors if "Content Security Policy" in error]
            # The page cannot be framed by another origin.
            assert page.evaluate("window.self === window.top")
        finally:
            browser.close()
