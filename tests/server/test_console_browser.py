"""The web console in a real browser: headless Chromium (Debian's) driven by Playwright against a running server.

One uvicorn process serves a temporary SQLite database seeded with a small demo workspace, and one browser visits
every page as a person would: charts must render with data (Chart.js datasets with points on non-blank canvases),
a what-if scenario must run to a result, errors must reach the user in plain words, and every request must stay on
the server (the console works offline). Screenshots land in `test-artifacts/console/`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.auth.users import ensure_demo_admin
from server.db import Base, Database
from server.services.demo.seed import seed_demo

playwright_api = pytest.importorskip("playwright.sync_api")

_ROOT = Path(__file__).resolve().parents[2]
_CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_ARTIFACTS = _ROOT / "test-artifacts" / "console"
# Flags for a sandboxed, offline machine: no GPU, no calls home, a fresh profile per launch (Playwright's own).
_CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_LAPTOP = {"width": 1366, "height": 768}
_MISSING = "\N{EN DASH}"  # how the console shows a value it does not have
_WAIT_MS = 60_000  # generous: a ceiling for a slow machine, never a measurement

# `make test` installs Chromium; in CI a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not Path(_CHROMIUM).exists() and not os.environ.get("CI"), reason="Chromium is not installed (make browser)"
)

# Chart.js keeps its charts by canvas; a canvas is blank when no pixel has any opacity.
_CHART_STATE = """
(ids) => ids.map((id) => {
  const canvas = document.getElementById(id);
  const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : null;
  let painted = 0;
  if (canvas && canvas.width && canvas.height) {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  }
  const points = chart
    ? chart.data.datasets.filter((d) => !d.band).map((d) => d.data.filter((v) => v !== null && v !== undefined).length)
    : [];
  return { id, chart: Boolean(chart), points, painted };
})
"""


@dataclass
class Console:
    base_url: str
    api_key: str
    project_id: str


@dataclass
class Visit:
    """What a page did besides drawing: script errors and every request it made."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _prepare(url: str) -> str:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await seed_demo(database, scale=0.1)
        async with database.transaction() as session:
            issued = await ensure_demo_admin(session)
        return issued.token
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('console') / 'console.sqlite3'}"
    # Playwright's sync API keeps an event loop running in this thread; the seeding gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        token = pool.submit(lambda: asyncio.run(_prepare(url))).result()
    port = _free_port()
    # Alert webhooks may go to a loopback port here (the alerts test points one at a closed port).
    env = {
        **os.environ,
        "LABELOPS_DATABASE_URL": url,
        "LABELOPS_RATE_LIMIT": "0",
        "LABELOPS_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    command = [
        sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=_ROOT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode} before it was ready")
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready within 60 s")
            time.sleep(0.1)
        answer = httpx.post(
            f"{base_url}/graphql",
            json={"query": '{ projects(first: 10, filter: {nameContains: "Autonomous"}) { edges { node { id } } } }'},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        project_id = answer["data"]["projects"]["edges"][0]["node"]["id"]
        yield Console(base_url=base_url, api_key=token, project_id=project_id)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_CHROMIUM, args=_CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


def _open(browser: Any, console: Console, *, with_key: bool = True) -> tuple[Any, Visit]:
    context = browser.new_context(viewport=_LAPTOP)
    if with_key:
        context.add_init_script(f"localStorage.setItem('labelops.apiKey', {console.api_key!r})")
    page = context.new_page()
    visit = Visit()
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on("console", lambda message: visit.errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: visit.requests.append(request.url))
    return page, visit


@pytest.fixture
def page(browser: Any, console: Console) -> Iterator[tuple[Any, Visit]]:
    opened, visit = _open(browser, console)
    yield opened, visit
    opened.context.close()


def _screenshot(page: Any, name: str) -> None:
    _ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(_ARTIFACTS / f"{name}.png"), full_page=True)


def _dollars(cells: Any) -> list[float | None]:
    """The dollar amount each cell starts with, or None where it shows none."""
    found = [re.match(r"\$([\d,]+\.?\d*)", text.strip()) for text in cells.all_inner_texts()]
    return [float(match.group(1).replace(",", "")) if match else None for match in found]


def _assert_clean(visit: Visit, console: Console) -> None:
    assert visit.errors == []
    foreign = [url for url in visit.requests if not url.startswith((console.base_url, "data:"))]
    assert foreign == [], "the console must work offline: every request stays on the server"


_SIDEWAYS = "(table) => table.parentElement.scrollWidth - table.parentElement.clientWidth"
_IN_VIEW = "(node) => { const r = node.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"


def _assert_clean_but(visit: Visit, console: Console, expected: str) -> None:
    """Clean, except for the console messages of a refusal the test provoked (they name its status)."""
    visit.errors = [error for error in visit.errors if expected not in error]
    _assert_clean(visit, console)


def _assert_charts_have_data(page: Any, ids: list[str]) -> None:
    for state in page.evaluate(_CHART_STATE, ids):
        assert state["chart"], f"{state['id']}: no chart"
        assert state["points"] and max(state["points"]) > 0, f"{state['id']}: no data points {state['points']}"
        assert state["painted"] > 0, f"{state['id']}: blank canvas"


def test_projects_page_lists_the_demo_projects_with_links_to_their_dashboards(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console")
    rows = tab.locator("#projects-table tbody tr")
    rows.nth(3).wait_for(timeout=_WAIT_MS)
    assert rows.count() == 4
    assert tab.locator("#key-state").text_content() != "not set"
    link = tab.get_by_role("link", name="Autonomous driving: 2D bounding boxes")
    assert link.get_attribute("href") == f"/console/projects/{console.project_id}"
    _screenshot(tab, "projects")
    _assert_clean(visit, console)


def test_projects_list_shows_one_health_verdict_per_project_with_its_reason_sorted_and_filtered(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console")
    rows = tab.locator("#projects-table tbody tr")
    rows.nth(3).wait_for(timeout=_WAIT_MS)
    verdicts = tab.locator("#projects-table tbody .verdict").all_inner_texts()
    assert len(verdicts) == 4 and set(verdicts) <= {"On track", "At risk", "Off track", "No data yet"}
    # The draft project with no tasks says so, in words, instead of "done"
    draft = tab.locator("#projects-table tbody tr", has=tab.get_by_role("link", name=re.compile("^Satellite imagery")))
    assert draft.locator(".verdict").inner_text() == "No data yet"
    assert "no tasks" in draft.locator(".reason").inner_text()
    # The projects needing attention come first, each with its worst reason in words
    ranks = {"Off track": 3, "At risk": 2, "On track": 1, "No data yet": 0}
    assert [ranks[v] for v in verdicts] == sorted((ranks[v] for v in verdicts), reverse=True)
    assert all(text.strip() for text in tab.locator("#projects-table tbody .reason").all_inner_texts())
    # The header sorts by name from the keyboard, and the filter narrows the rows
    tab.get_by_role("button", name="Project", exact=True).focus()
    tab.keyboard.press("Enter")
    names = tab.locator("#projects-table tbody th").all_inner_texts()
    assert names == sorted(names)
    assert tab.locator("#projects-table thead th").first.get_attribute("aria-sort") == "ascending"
    tab.get_by_label("Filter projects").fill("draft")
    assert rows.count() == 1 and "Satellite" in rows.first.inner_text()
    # The table as shown downloads as CSV
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download the projects table as CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Project,Health,Status") and len(lines) == 2
    assert lines[1].startswith("Satellite imagery") and "No data yet" in lines[1]
    _screenshot(tab, "projects-health")
    _assert_clean(visit, console)


def test_dashboard_shows_the_same_verdict_as_the_list_with_every_reason(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console")
    row = tab.locator(
        "#projects-table tbody tr", has=tab.get_by_role("link", name="Autonomous driving: 2D bounding boxes")
    )
    row.wait_for(timeout=_WAIT_MS)
    listed = row.locator(".verdict").inner_text()
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.get_by_text("days of work").wait_for(timeout=_WAIT_MS)
    assert tab.locator("#health-verdict .verdict").inner_text() == listed
    reasons = tab.locator("#health-reasons li").all_inner_texts()
    assert any("SLA:" in r for r in reasons) and any("Forecast:" in r for r in reasons)
    assert any("arriving a day" in r for r in reasons)  # the forecast counts incoming tasks
    # The completions-only forecast is no longer painted green or red
    assert "good" not in (tab.locator('[data-kpi="forecast"]').get_attribute("class") or "")
    # The hiring pipeline: head counts by vendor and stage, and who waits in which stage since when
    assert tab.locator("#pipeline-counts tbody tr").count() >= 1
    assert "Production" in tab.locator("#pipeline-counts thead").inner_text()
    _screenshot(tab, "dashboard-health")
    _assert_clean(visit, console)


def test_a_draft_project_without_tasks_says_no_data_yet_instead_of_empty_charts(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console")
    link = tab.get_by_role("link", name=re.compile("^Satellite imagery"))
    link.wait_for(timeout=_WAIT_MS)
    link.click()
    notice = tab.locator("#no-data")
    notice.wait_for(timeout=_WAIT_MS)
    assert notice.inner_text().startswith("No data yet")
    assert tab.locator("#activity").is_hidden()
    assert tab.locator("#health-verdict .verdict").inner_text() == "No data yet"
    _screenshot(tab, "dashboard-no-data")
    _assert_clean(visit, console)


def test_dashboard_draws_every_chart_with_data_and_shows_outliers_with_quality(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.get_by_text("days of work").wait_for(timeout=_WAIT_MS)
    _assert_charts_have_data(
        tab,
        [
            "chart-throughput",
            "chart-speed",
            "chart-learning",
            "chart-review",
            "chart-quality",
            "chart-cost",
            "chart-forecast",
        ],
    )
    assert tab.locator("#kpis .kpi").count() >= 10
    assert tab.locator('[data-kpi="forecast"] dd').inner_text().strip() != _MISSING
    assert tab.locator("#labelers-table tbody tr").count() > 5
    # Who needs attention names each labeler (the demo's careless ones are always there).
    assert tab.locator("#attention-table tbody tr").first.locator("th").inner_text().strip()
    # Speed outliers are scored against the project's cohorts and may be none in a window; either way it says so.
    outlier = tab.locator("#outliers-table tbody tr").first
    if outlier.locator("th").count():
        assert outlier.locator("th").inner_text().strip()  # a labeler's name, not an id
        assert outlier.locator("td").nth(8).inner_text().endswith("%")  # its approval rate next to its speed
    else:
        assert "out of the norm" in outlier.inner_text()
    assert tab.locator("#errors").is_hidden()
    _screenshot(tab, "dashboard")
    _assert_clean(visit, console)


def _download(tab: Any, button: Any) -> list[str]:
    with tab.expect_download() as download:
        button.click()
    return Path(download.value.path()).read_text(encoding="utf-8").splitlines()


def test_dashboard_tables_and_the_figures_behind_its_charts_download_as_csv(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}?from=2026-01-01&to=2026-12-31")
    tab.locator("#status").filter(has_text=re.compile("days of work|No data yet")).wait_for(timeout=_WAIT_MS)
    tab.locator("#pipeline-counts tbody tr").first.wait_for(timeout=_WAIT_MS)
    # Every table of the page has its button, named after the table
    for name in ("labelers needing attention", "speed outliers", "labelers", "head counts by stage", "hiring pipeline"):
        assert tab.get_by_role("button", name=f"Download the {name} table as CSV").count() == 1, name
    counts = _download(tab, tab.get_by_role("button", name="Download the head counts by stage table as CSV"))
    assert counts[0].startswith("Vendor,") and "Production" in counts[0] and len(counts) >= 2
    outliers = _download(tab, tab.get_by_role("button", name="Download the speed outliers table as CSV"))
    assert outliers[0].startswith("Labeler,Vendor,Tenure week")
    # The charts' figures come from the server's export, for the window in the form, with the stored key
    days = _download(tab, tab.get_by_role("button", name="Days (CSV)"))
    header = days[0].split(",")
    assert header[0] == "day" and "labels" in header
    assert days[1].startswith("2026-01-01") and days[-1].startswith("2026-12-31")
    usage = _download(tab, tab.get_by_role("button", name="Cost by day and vendor (CSV)"))
    assert "vendorId" in usage[0].split(",")
    # A refused export says why in the banner: here the window is longer than the API allows
    tab.get_by_label("From", exact=True).fill("2001-01-01")
    tab.get_by_role("button", name="SLA by day (CSV)").click()
    error = tab.locator("#errors .error").first
    error.wait_for(timeout=_WAIT_MS)
    assert "dashboard-sla-days.csv was refused (400)" in error.inner_text()
    _assert_clean_but(visit, console, "400")


def test_issue_threads_are_read_answered_resolved_and_reopened_on_the_dashboard(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    issues = tab.locator("#issues details.issue")
    issues.first.wait_for(timeout=_WAIT_MS)
    # Given the open issues, each with who raised it, when, and how long its thread is
    assert tab.locator("#issues-count").inner_text().endswith("open issues")
    one = issues.first
    title = one.locator("h3").inner_text().removesuffix("Open").strip()
    assert "Open" in one.locator("h3 .tag").inner_text()
    assert re.search(r"raised by .+ · \d+ messages?$", one.locator("summary .meta").inner_text())
    # When its summary is opened from the keyboard, the thread shows
    one.locator("summary").focus()
    tab.keyboard.press("Enter")
    assert one.locator(".thread li").first.is_visible()
    # An empty reply is refused beside its box, and nothing is sent
    one.get_by_role("button", name="Send reply").click()
    box = one.get_by_label(f"Reply to “{title}”")
    assert box.get_attribute("aria-invalid") == "true"
    assert one.locator(".field-error").inner_text() == "Write a reply first."
    # When the manager replies from the keyboard
    box.fill("Use the tight box rule from guideline v3.")
    box.press("Tab")
    tab.keyboard.press("Enter")
    # Then the reply is in the thread, which stays open after the reload
    one.locator(".thread li", has_text="Use the tight box rule from guideline v3.").wait_for(timeout=_WAIT_MS)
    assert "Outside the workforce" in one.locator(".thread li").last.inner_text()
    # When it is resolved with how, it leaves the open list and is found among the resolved ones
    one.get_by_label("Resolution").fill("Guideline v3 answers it")
    one.get_by_role("button", name=f"Resolve “{title}”").press("Enter")
    resolved_view = tab.get_by_label("Show")
    tab.locator("#issues details.issue", has_text="Use the tight box rule").wait_for(state="detached", timeout=_WAIT_MS)
    resolved_view.select_option(label="resolved issues")
    done = tab.locator("#issues details.issue", has_text="Use the tight box rule")
    done.wait_for(timeout=_WAIT_MS)
    assert "resolved: Guideline v3 answers it" in done.locator("summary .meta").inner_text()
    # And reopening puts it back
    done.locator("summary").click()
    done.get_by_role("button", name=f"Reopen “{title}”").click()
    done.wait_for(state="detached", timeout=_WAIT_MS)
    resolved_view.select_option(label="open issues")
    tab.locator("#issues details.issue", has_text="Use the tight box rule").wait_for(timeout=_WAIT_MS)
    _screenshot(tab, "dashboard-issues")
    _assert_clean(visit, console)


CREATE_ALERT_RULE = """
mutation($input: CreateAlertRuleInput!) {
  createAlertRule(input: $input) { __typename ... on AlertRuleCreated { rule { id } } ... on UserError { message } }
}
"""
EVALUATE_ALERTS = """
mutation($projectId: ID!) { evaluateAlerts(projectId: $projectId) { __typename } }
"""


def test_dashboard_lists_the_alert_rules_their_state_and_the_webhook_deliveries_with_the_receivers_answer(
    page: tuple[Any, Visit], console: Console
) -> None:
    # Given two rules on the project, one whose backlog condition holds, its webhook pointed at a closed port
    closed = f"http://127.0.0.1:{_free_port()}/hooks/ops"
    rules = [
        ("Backlog watch", "BACKLOG_ABOVE", 0.0),
        ("SLA watch", "SLA_BELOW_TARGET", 0.01),
    ]
    for name, kind, threshold in rules:
        values = {"projectId": console.project_id, "name": name, "kind": kind, "threshold": threshold}
        values["webhookUrl"] = closed
        created = _api(console, CREATE_ALERT_RULE, {"input": values})["createAlertRule"]
        assert created["__typename"] == "AlertRuleCreated", created
    # When the rules are evaluated: the backlog rule fires, and its delivery's first attempt finds no receiver
    assert _api(console, EVALUATE_ALERTS, {"projectId": console.project_id})["evaluateAlerts"]["__typename"]
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    rows = tab.locator("#alert-rules-table tbody tr")
    rows.nth(1).wait_for(timeout=_WAIT_MS)
    # Then the alerts section lists both rules with their state, and the delivery with the receiver's failure
    states = {row.locator("th").inner_text(): row.locator(".verdict").inner_text() for row in rows.all()}
    assert states == {"Backlog watch": "firing", "SLA watch": "ok"}
    assert tab.locator("#alerts-summary").inner_text() == "2 alert rules, 1 firing."
    delivery = tab.locator("#alert-deliveries-table tbody tr").first
    cells = delivery.locator("td").all_inner_texts()
    assert cells[0] == "Backlog watch"
    assert cells[1].startswith("Firing: ")
    assert cells[2] == "pending"
    assert cells[3] == "1"
    assert cells[4] not in ("", _MISSING) and not cells[4].startswith("HTTP")  # why no answer came
    assert cells[5].startswith("next ")
    _screenshot(tab, "dashboard-alerts")
    _assert_clean(visit, console)


def test_dashboard_window_is_in_the_address_and_a_reversed_one_says_so_beside_the_form(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.get_by_text("days of work").wait_for(timeout=_WAIT_MS)
    # When the window ends before it starts
    tab.get_by_label("From", exact=True).fill("2026-06-10")
    tab.get_by_label("To", exact=True).fill("2026-06-01")
    tab.get_by_role("button", name="Apply").click()
    # Then it is said beside the form, the field at fault is marked, and nothing waits for ever
    note = tab.locator("#window-error")
    assert (
        note.is_visible() and "The window is reversed: To (2026-06-01) is before From (2026-06-10)" in note.inner_text()
    )
    assert tab.get_by_label("To", exact=True).get_attribute("aria-invalid") == "true"
    assert "Loading" not in tab.locator("#status").inner_text()
    # When a good window is applied, it goes into the address and survives a reload
    tab.get_by_label("To", exact=True).fill("2026-06-20")
    tab.get_by_role("button", name="Apply").click()
    tab.wait_for_url(re.compile(r"\?from=2026-06-10&to=2026-06-20$"))
    assert note.is_hidden()
    tab.reload()
    tab.locator("#status").filter(has_text=re.compile("days of work|No data yet")).wait_for(timeout=_WAIT_MS)
    assert tab.get_by_label("From", exact=True).input_value() == "2026-06-10"
    assert tab.get_by_label("To", exact=True).input_value() == "2026-06-20"
    # The API's typed errors still reach the user in plain words, and can be dismissed from the keyboard
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}?from=2001-01-01&to=2026-06-01")
    error = tab.locator("#errors .error").first
    error.wait_for(timeout=_WAIT_MS)
    assert "Dashboard:" in error.inner_text() and "days after from" in error.inner_text()
    error.get_by_role("button", name="Dismiss").press("Enter")
    assert tab.locator("#errors").is_hidden()
    _assert_clean(visit, console)


def test_vendor_view_puts_vendors_side_by_side_with_delivered_quality_and_cost(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/vendors")
    tab.get_by_text("delivery figures").wait_for(timeout=_WAIT_MS)
    headers = tab.locator("#vendors-table thead th")
    assert headers.count() == 1 + 6
    row_names = tab.locator("#vendors-table tbody th").all_inner_texts()
    for expected in ("Pricing", "Certifications", "Trial: accepted share", "Labels per labeler-hour",
                     "Benchmark accuracy", "Cost per accepted label"):  # fmt: skip
        assert expected in row_names
    cost_row = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Cost per accepted label"))
    assert any(cell.startswith("$") for cell in cost_row.locator("td").all_inner_texts())
    # The effective price adds the review of each vendor's labels by whoever reviewed them (in-house QA on the demo)
    effective_row = tab.locator(
        "#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Effective price per accepted label")
    )
    own, effective = (_dollars(cost_row.locator("td")), _dollars(effective_row.locator("td")))
    priced = [(o, e) for o, e in zip(own, effective, strict=True) if o is not None and e is not None]
    assert any(e > o for o, e in priced)
    review_row = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Review of its labels"))
    assert any("reviews" in text for text in review_row.locator("td").all_inner_texts())
    # The vetting answers and how to reach each vendor, "not stated" where a vendor has not said
    channel_row = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Preferred channel"))
    channels = channel_row.locator("td").all_inner_texts()
    assert any(text.startswith("Chat, daily") for text in channels) and "not stated" in channels
    assert channel_row.get_by_role("link", name="Chat, daily").get_attribute("href", timeout=_WAIT_MS) == (
        "https://chat.northwind-annotation.example/labelops"
    )
    availability = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Availability"))
    assert "5 days a week, 8.0 h a day" in availability.locator("td").all_inner_texts()
    value_chart = "() => Chart.getChart(document.getElementById('chart-value')).options.scales.y.title.text"
    assert tab.evaluate(value_chart) == "Effective price"
    # The comparison downloads as shown
    lines = _download(tab, tab.get_by_role("button", name="Download the vendors table as CSV"))
    assert lines[0].startswith("Vendor,")
    assert any(line.startswith("Effective price per accepted label,") for line in lines)
    _assert_charts_have_data(tab, ["chart-value", "chart-speed"])
    _screenshot(tab, "vendors")
    _assert_clean(visit, console)


def test_planner_runs_a_calibrated_scenario_compares_variants_and_finds_the_cheapest_plan(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    # Given a scenario calibrated from the project's history (the page starts from one)
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    assert float(tab.get_by_label("Demand (tasks/day)").input_value()) > 0
    # When the planner doubles demand and runs it
    tab.get_by_label("Demand (tasks/day)").fill("80")
    assert '"base_per_day": 80' in tab.locator("#scenario-json").input_value()
    tab.get_by_label("Replications", exact=True).fill("12")
    tab.get_by_role("button", name="Save and run").click()
    # Then the run finishes and its forecast is drawn with bands
    tab.locator("#run-kpis .kpi").first.wait_for(timeout=_WAIT_MS)
    assert tab.locator("#run-progress").evaluate("(bar) => bar.value") == 1
    assert "%" in tab.locator('[data-kpi="sla"] dd').inner_text()
    _assert_charts_have_data(tab, ["chart-backlog", "chart-headcount", "chart-sla", "chart-cost"])
    headcount = tab.evaluate("() => Chart.getChart(document.getElementById('chart-headcount')).data.datasets.length")
    assert headcount == 9  # production, training and hiring, each a mean line between two band edges
    # The run's daily bands download from the server's export of the run
    daily = _download(tab, tab.get_by_role("button", name="Daily bands (CSV)"))
    assert daily[0] == "series,day,mean,ciLow,ciHigh,p2_5,p97_5" and any(r.startswith("backlog,0,") for r in daily)
    # When three variants are compared
    tab.get_by_label("Replications per variant").fill("8")
    tab.get_by_role("button", name="Compare", exact=True).click()
    tab.locator("#comparison-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    assert tab.locator("#comparison-table tbody th").all_inner_texts()[:2] == ["baseline", "+20% demand"]
    compared = _download(tab, tab.get_by_role("button", name="Download the scenario comparison table as CSV"))
    assert compared[0].startswith("Variant,SLA attainment") and compared[1].startswith("baseline,")
    _assert_charts_have_data(tab, ["chart-compare"])
    # When a variant hires 15 people into one named pool only
    tab.get_by_role("button", name="Add variant").click()
    tab.get_by_label("Variant name").last.fill("Northwind +15")
    pool = tab.get_by_label("New variant: pool")
    northwind = next(o for o in pool.locator("option").all_inner_texts() if o.startswith("Northwind Annotation"))
    pool.select_option(label=northwind)
    tab.get_by_label("New variant: head count change").fill("15")
    tab.get_by_role("button", name="Compare", exact=True).click()
    tab.locator("#comparison-table tbody th", has_text="Northwind +15").wait_for(timeout=_WAIT_MS)
    assert tab.locator("#errors").is_hidden()
    # When the cheapest plan is searched over one pool
    options = tab.locator("#options-table tbody tr")
    for index in range(options.count()):
        options.nth(index).locator("input").first.fill("0")
    options.first.locator("input").first.fill("0, 2")
    tab.get_by_role("button", name="Find the cheapest plan").click()
    result = tab.locator("#plan-result")
    result.get_by_role("heading", name="Cheapest plan").wait_for(timeout=_WAIT_MS)
    assert "Chance of meeting the SLA" in result.inner_text()
    assert tab.locator("#errors").is_hidden()
    _screenshot(tab, "planner")
    _assert_clean(visit, console)


def test_planner_takes_a_weekly_plan_and_launches_with_errors_beside_their_controls(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    scenario = tab.locator("#scenario-json")
    # A bad line in the pasted plan is pointed at beside the text box, by line and value
    weekly = tab.get_by_label("Tasks per week (CSV: week,tasks)")
    weekly.fill("week,tasks\n1,500\n2,lots")
    note = tab.locator("#f-weekly-plan-error")
    assert note.is_visible() and "Line 3: tasks must be a number ≥ 0, got “lots”" in note.inner_text()
    assert weekly.get_attribute("aria-invalid") == "true"
    assert "weekly_volumes" not in scenario.input_value()
    weekly.fill("week,tasks\n1,500\n2,650")
    assert note.is_hidden() and weekly.get_attribute("aria-invalid") is None
    assert '"weekly_volumes": [\n        500,\n        650\n      ]' in scenario.input_value()
    # A launch by date needs the plan's start date, and says so beside it
    tab.get_by_role("button", name="Add launch").click()
    tab.get_by_label("New launch: launch name").fill("Berlin")
    tab.get_by_label("New launch: launch date").fill("2027-03-03")
    tab.get_by_label("New launch: extra tasks").fill("300")
    tab.get_by_label("New launch: duration in days").fill("3")
    start = tab.get_by_label("Plan starts on (day 0)")
    assert "Set the plan's start date to place Berlin by its date" in tab.locator("#f-start-date-error").inner_text()
    assert start.get_attribute("aria-invalid") == "true"
    start.fill("2027-03-01")
    assert tab.locator("#f-start-date-error").is_hidden()
    assert '"start_day": 2' in scenario.input_value() and '"start_date": "2027-03-01"' in scenario.input_value()
    # A negative volume is refused beside the launch's row, and running is refused until it is fixed
    extra = tab.get_by_label("New launch: extra tasks")
    extra.fill("-5")
    assert "Berlin: extra tasks must be a number ≥ 0" in tab.locator("#launches-error").inner_text()
    assert extra.get_attribute("aria-invalid") == "true"
    tab.get_by_role("button", name="Save and run").click()
    tab.locator("#errors .error").first.wait_for(timeout=_WAIT_MS)
    assert "The demand plan has an error" in tab.locator("#errors").inner_text()
    extra.fill("300")
    tab.get_by_label("Replications", exact=True).fill("4")
    tab.get_by_role("button", name="Save and run").click()
    tab.locator("#run-kpis .kpi").first.wait_for(timeout=_WAIT_MS)
    assert tab.locator("#launches-error").is_hidden()
    # The launch is marked on the backlog chart where its spike starts
    markers = tab.evaluate(
        "() => Chart.getChart(document.getElementById('chart-backlog')).data.datasets"
        ".filter((d) => d.label.startsWith('Launch:')).map((d) => [d.label, d.data.findIndex((v) => v === 0)])"
    )
    assert markers == [["Launch: Berlin (+300 tasks over 3 d)", 2]]
    _screenshot(tab, "planner-demand-plan")
    _assert_clean(visit, console)


# Every x-axis tick label's box, and the pairs of neighbours that overlap (rotated labels by their line spacing).
_TICK_OVERLAPS = """
(ids) => ids.flatMap((id) => {
  const chart = Chart.getChart(document.getElementById(id));
  const scale = chart.scales.x;
  const font = Chart.helpers.toFont(scale.options.ticks.font);
  chart.ctx.font = font.string;
  const angle = (scale.labelRotation * Math.PI) / 180;
  const items = scale.ticks.map((tick, index) => ({
    label: String(tick.label), x: scale.getPixelForTick(index), width: chart.ctx.measureText(String(tick.label)).width,
  }));
  const overlaps = [];
  for (let i = 1; i < items.length; i++) {
    const gap = items[i].x - items[i - 1].x;
    const room = angle
      ? gap * Math.sin(angle) >= font.lineHeight * 0.9
      : gap >= (items[i].width + items[i - 1].width) / 2;
    if (!room) overlaps.push(`${id}: ${items[i - 1].label} / ${items[i].label}`);
  }
  return overlaps;
})
"""


def test_planner_edits_demand_spikes_as_form_controls_and_marks_them_on_the_backlog(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    scenario = tab.locator("#scenario-json")
    # When a spike is added and given a start, a duration and a multiplier with decimals
    tab.get_by_role("button", name="Add spike").click()
    tab.get_by_label("Spike 1: start day").fill("2")
    tab.get_by_label("Spike 1: duration in days").fill("3.5")
    multiplier = tab.get_by_label("Spike 1: demand multiplier")
    multiplier.fill("1.125")
    # Then the scenario holds it exactly as typed
    assert multiplier.input_value() == "1.125"
    document = json.loads(scenario.input_value())
    assert document["demand"]["spikes"] == [{"start_day": 2, "duration_days": 3.5, "multiplier": 1.125}]
    # A zero duration is refused beside the table, naming the spike and the value, and running is refused
    duration = tab.get_by_label("Spike 1: duration in days")
    duration.fill("0")
    note = tab.locator("#spikes-error")
    assert note.inner_text() == "Spike 1: the duration in days must be a number more than 0, got “0”."
    assert duration.get_attribute("aria-invalid") == "true"
    tab.get_by_label("Horizon (days)").focus()
    tab.get_by_role("button", name="Save and run").click()
    assert "A demand spike has an error" in tab.locator("#errors").inner_text()
    # The control at fault is brought into view and focused, so the note beside it is seen
    assert duration.evaluate("(input) => input === document.activeElement")
    assert duration.evaluate(_IN_VIEW)
    duration.fill("3")
    assert note.is_hidden()
    # A spike typed into the JSON comes back as a row of controls
    tab.get_by_text("Scenario document (JSON)").click()
    document = json.loads(scenario.input_value())
    document["demand"]["spikes"].append({"start_day": 10, "duration_days": 2, "multiplier": 0.5})
    scenario.fill(json.dumps(document))
    tab.get_by_role("button", name="Apply JSON").click()
    assert tab.get_by_label("Spike 2: demand multiplier").input_value() == "0.5"
    # When it runs, each spike is marked on the backlog chart where it starts, and no x-axis label overlaps another
    tab.get_by_label("Replications", exact=True).fill("4")
    tab.get_by_role("button", name="Save and run").click()
    tab.locator("#run-kpis .kpi").first.wait_for(timeout=_WAIT_MS)
    markers = tab.evaluate(
        "() => Chart.getChart(document.getElementById('chart-backlog')).data.datasets"
        ".filter((d) => d.label.startsWith('Spike')).map((d) => [d.label, d.data.findIndex((v) => v === 0)])"
    )
    times = "\N{MULTIPLICATION SIGN}"
    assert markers == [[f"Spike 1: demand {times}1.125 for 3 d", 2], [f"Spike 2: demand {times}0.5 for 2 d", 10]]
    assert tab.evaluate(_TICK_OVERLAPS, ["chart-backlog", "chart-headcount", "chart-sla", "chart-cost"]) == []
    # The SLA chart carries the required attainment as its target line
    target = tab.evaluate(
        "() => Chart.getChart(document.getElementById('chart-sla')).data.datasets"
        ".filter((d) => d.label.startsWith('Required')).map((d) => [d.label, new Set(d.data).size])"
    )
    assert len(target) == 1 and target[0][1] == 1  # one flat line
    _screenshot(tab, "planner-spikes")
    _assert_clean(visit, console)


def test_planner_shows_a_field_error_at_the_input_to_fix(page: tuple[Any, Visit], console: Console) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    horizon = tab.get_by_label("Horizon (days)")
    horizon.fill("0")
    tab.get_by_role("button", name="Save and run").click()
    tab.locator("#errors .error").first.wait_for(timeout=_WAIT_MS)
    assert "horizon_days must be >= 1" in tab.locator("#errors").inner_text()
    assert horizon.get_attribute("aria-invalid") == "true"
    # The server's refusal is also said beside the input, which is focused and in view
    beside = tab.locator("#f-horizon-error")
    assert beside.is_visible() and "horizon_days must be >= 1" in beside.inner_text()
    assert horizon.evaluate("(input) => input === document.activeElement")
    assert beside.evaluate(_IN_VIEW)
    # Fixing the value takes the note away
    horizon.fill("28")
    assert beside.is_hidden() and horizon.get_attribute("aria-invalid") is None
    # A bad value in a pool is pointed at in the pool's row
    # Calibration names a vendor's pools after their shifts ("Northwind Annotation (07:00-15:00)").
    rate = tab.get_by_label(re.compile(r"^Northwind Annotation.*: rate per hour$")).first
    rate.fill("-5")
    tab.get_by_role("button", name="Save and run").click()
    rate_note = tab.locator("#pools-table .field-error:visible")
    rate_note.wait_for(timeout=_WAIT_MS)
    assert "hourly_rate must be >= 0" in rate_note.inner_text()
    assert rate.get_attribute("aria-invalid") == "true"
    assert rate.evaluate("(input) => input === document.activeElement")
    # Broken JSON is refused in plain words, before anything is sent
    tab.get_by_text("Scenario document (JSON)").click()
    tab.locator("#scenario-json").fill("{ not json")
    tab.get_by_role("button", name="Apply JSON").click()
    assert "The scenario JSON is not valid" in tab.locator("#errors").inner_text()
    _screenshot(tab, "planner-errors")
    _assert_clean(visit, console)


def _focused(locator: Any) -> bool:
    return bool(locator.evaluate("(input) => input === document.activeElement"))


def test_planner_refuses_a_blank_number_instead_of_running_the_value_it_no_longer_shows(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    # Given a horizon emptied by the planner (the document still holds the previous 28)
    horizon = tab.get_by_label("Horizon (days)")
    horizon.fill("")
    # When they run it, nothing is sent: the blank field is named beside itself and focused
    tab.get_by_role("button", name="Save and run").click()
    note = tab.locator("#f-horizon-error")
    note.wait_for(timeout=_WAIT_MS)
    assert note.inner_text() == "Horizon (days) must be a number, got nothing."
    assert horizon.get_attribute("aria-invalid") == "true" and _focused(horizon)
    assert "f-horizon-error" in (horizon.get_attribute("aria-describedby") or "")
    assert tab.locator("#run-state").inner_text() == "No run yet."
    # A pool's blank head count is refused in its row the same way
    horizon.fill("28")
    production = tab.get_by_label("Crowdsource Collective: in production")
    production.fill("")
    tab.get_by_role("button", name="Save and run").click()
    row_note = tab.locator("#pools-table .field-error:visible")
    row_note.wait_for(timeout=_WAIT_MS)
    assert row_note.inner_text() == "Crowdsource Collective: in production must be a number, got nothing."
    assert _focused(production)
    assert tab.locator("#run-state").inner_text() == "No run yet."
    _assert_clean(visit, console)


def test_planner_variants_take_any_multiplier_and_say_each_refusal_in_the_variants_row(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    tab.get_by_label("Replications per variant").fill("4")
    demand = tab.get_by_label("+20% demand: demand multiplier")
    compare = tab.get_by_role("button", name="Compare", exact=True)
    # A multiplier between the input's arrow steps (1.23) is compared, not held back by the browser
    demand.fill("1.23")
    compare.click()
    tab.locator("#comparison-table tbody th", has_text="+20% demand").wait_for(timeout=_WAIT_MS)
    # A head count change must be whole: refused beside it, before anything is sent
    headcount = tab.get_by_label("+20% demand: head count change")
    headcount.fill("2.5")
    compare.click()
    # (said under the table, where the sentence has room, and tied to the input for screen readers)
    note = tab.locator("#variants-error")
    note.wait_for(timeout=_WAIT_MS)
    assert note.inner_text() == "+20% demand: head count change must be a whole number, got “2.5”."
    # The comparison of the earlier inputs no longer stands beside the error about the new ones
    assert tab.locator("#comparison-table").is_hidden()
    assert _focused(headcount) and headcount.get_attribute("aria-invalid") == "true"
    assert "variants-error" in (headcount.get_attribute("aria-describedby") or "")
    assert note.bounding_box()["width"] > 400
    headcount.fill("0")
    # Text the browser cannot read as a number is not called "nothing", and no default takes its place
    demand.fill("1e999")
    compare.click()
    note.wait_for(timeout=_WAIT_MS)
    assert "demand multiplier must be a number, got text that is not a number" in note.inner_text()
    # The server's refusal is said in the variant's row, not in the scenario's JSON editor
    demand.fill("-1")
    compare.click()
    tab.locator("#errors .error").first.wait_for(timeout=_WAIT_MS)
    assert note.inner_text() == "+20% demand: demand multiplier must be > 0, got -1.0"
    assert _focused(demand)
    assert not tab.locator("#raw-editor").evaluate("(details) => details.open")
    assert tab.locator("#scenario-json").get_attribute("aria-invalid") is None
    _screenshot(tab, "planner-variant-errors")
    _assert_clean(visit, console)


def test_cheapest_plan_options_are_checked_beside_their_input_and_never_reach_the_server_as_null(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#options-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    counts = tab.get_by_label("Crowdsource Collective: head counts to consider")
    days = tab.get_by_label("Crowdsource Collective: hiring start days")
    find = tab.get_by_role("button", name="Find the cheapest plan")
    cases = [
        (counts, "0, 1e999", "head counts must be whole numbers from 0 to 1000, separated by commas; “1e999” is not."),
        (counts, "2.5", "head counts must be whole numbers from 0 to 1000, separated by commas; “2.5” is not."),
        (counts, "-3, 2", "head counts must be whole numbers from 0 to 1000, separated by commas; “-3” is not."),
        (days, "Infinity", "start days must be numbers 0 or more, separated by commas; “Infinity” is not."),
        (days, "", "start days: list at least one, such as 0."),
    ]
    for control, typed, said in cases:
        control.fill(typed)
        find.click()
        note = tab.locator("#options-error")
        note.wait_for(timeout=_WAIT_MS)
        assert note.inner_text() == f"Crowdsource Collective: {said}", typed
        assert _focused(control) and control.input_value() == typed  # what was typed is kept, to fix it
        assert "options-error" in (control.get_attribute("aria-describedby") or "")
        assert tab.locator("#errors").is_hidden(), typed  # nothing was sent, so no raw GraphQL refusal
        control.fill("0, 2" if control == counts else "0")
    _assert_clean(visit, console)


def test_a_pasted_weekly_plan_refuses_numbers_json_cannot_carry_and_reads_its_first_line(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    weekly = tab.get_by_label("Tasks per week (CSV: week,tasks)")
    note = tab.locator("#f-weekly-plan-error")
    # Too large a number is refused beside the box, never written into the scenario as null
    weekly.fill("week,tasks\n1,1e999")
    assert note.inner_text() == "Line 2: tasks must be a number ≥ 0, got “1e999”."
    assert "weekly_volumes" not in tab.locator("#scenario-json").input_value()
    # A first line with a week number is data: a thousands space in it is pointed at, not dropped as a header
    weekly.fill("1, 5 000")
    assert note.inner_text() == "Line 1: tasks must be a number ≥ 0, got “5 000”."
    weekly.fill("1, 5000")
    assert note.is_hidden()
    assert json.loads(tab.locator("#scenario-json").input_value())["demand"]["params"]["weekly_volumes"] == [5000]
    _assert_clean(visit, console)


def test_a_scenario_name_refused_by_the_server_is_said_beside_the_name(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    name = tab.get_by_label("Name", exact=True)
    name.fill("N" * 201)
    tab.get_by_role("button", name="Save and run").click()
    note = tab.locator("#f-name-error")
    note.wait_for(timeout=_WAIT_MS)
    assert note.inner_text().startswith("input.name must be 1 to 200 characters")
    assert _focused(name) and name.input_value() == "N" * 201
    assert not tab.locator("#raw-editor").evaluate("(details) => details.open")
    _assert_clean_but(visit, console, "")


def test_a_refused_launch_or_spike_value_is_described_by_its_note_for_screen_readers(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    # A launch's refused value names its note as its description; fixing it takes the description away
    tab.get_by_role("button", name="Add launch").click()
    tab.get_by_label("New launch: launch name").fill("Berlin")
    tab.get_by_label("Plan starts on (day 0)").fill("2027-03-01")
    tab.get_by_label("New launch: launch date").fill("2027-03-03")
    tab.get_by_label("New launch: duration in days").fill("3")
    extra = tab.get_by_label("New launch: extra tasks")
    extra.fill("-5")
    assert extra.get_attribute("aria-invalid") == "true"
    assert extra.get_attribute("aria-describedby") == "launches-error"
    assert "extra tasks must be a number" in tab.locator("#launches-error").inner_text()
    extra.fill("300")
    assert extra.get_attribute("aria-describedby") is None
    # The same for a spike's value and the note under the spikes table
    tab.get_by_role("button", name="Add spike").click()
    duration = tab.get_by_label("Spike 1: duration in days")
    duration.fill("0")
    assert duration.get_attribute("aria-describedby") == "spikes-error"
    duration.fill("2")
    assert duration.get_attribute("aria-describedby") is None
    _assert_clean(visit, console)


def test_a_launch_dated_after_the_horizon_is_refused_beside_it_instead_of_left_out_unsaid(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    tab.get_by_label("Horizon (days)").fill("28")
    tab.get_by_label("Plan starts on (day 0)").fill("2027-03-01")
    tab.get_by_role("button", name="Add launch").click()
    tab.get_by_label("New launch: launch name").fill("Berlin")
    tab.get_by_label("New launch: extra tasks").fill("300")
    tab.get_by_label("New launch: duration in days").fill("3")
    date = tab.get_by_label("New launch: launch date")
    date.fill("2027-06-01")
    # When the planner runs it, nothing is sent: the launch's date is pointed at, saying why
    tab.get_by_role("button", name="Save and run").click()
    note = tab.locator("#launches-error")
    note.wait_for(timeout=_WAIT_MS)
    assert note.inner_text() == (
        "Berlin: the date 2027-06-01 is after the 28-day horizon ends (2027-03-28), so it would change nothing; "
        "move it or lengthen the horizon."
    )
    assert date.get_attribute("aria-invalid") == "true" and _focused(date)
    assert tab.locator("#run-state").inner_text() == "No run yet."
    # The last day of the horizon is still inside it
    date.fill("2027-03-28")
    assert note.is_hidden()
    assert json.loads(tab.locator("#scenario-json").input_value())["demand"]["params"]["launches"][0]["start_day"] == 27
    _assert_clean(visit, console)


def test_without_a_key_the_console_says_so_and_a_pasted_key_is_used(browser: Any, console: Console) -> None:
    tab, visit = _open(browser, console, with_key=False)
    try:
        tab.goto(f"{console.base_url}/console")
        # Then the refusal is explained and the key field is ready to type into
        error = tab.locator("#errors .error").first
        error.wait_for(timeout=_WAIT_MS)
        assert "The server needs an API key" in error.inner_text()
        key = tab.get_by_label("API key", exact=True)
        assert key.evaluate("(input) => input === document.activeElement")
        _screenshot(tab, "missing-key")
        # When the key is typed and submitted with the keyboard
        key.type(console.api_key)
        key.press("Enter")
        # Then the data loads with it and the banner is gone
        tab.locator("#projects-table tbody tr").nth(3).wait_for(timeout=_WAIT_MS)
        assert tab.locator("#errors").is_hidden()
        assert "ADMIN" in tab.locator("#key-state").inner_text()
        assert tab.evaluate("() => localStorage.getItem('labelops.apiKey')") == console.api_key
        # The refused request is the only console message; nothing else went wrong
        assert all("401" in message for message in visit.errors)
    finally:
        tab.context.close()


def test_the_keyboard_reaches_the_skip_link_navigation_and_key_panel_with_a_visible_focus(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/vendors")
    tab.get_by_text("delivery figures").wait_for(timeout=_WAIT_MS)
    focused = []
    for _ in range(7):
        tab.keyboard.press("Tab")
        focused.append(tab.evaluate("() => document.activeElement.textContent.trim().split('\\n')[0]"))
    assert focused[0] == "Skip to content"
    assert focused[1:6] == ["LabelOps console", "Projects", "Vendors", "Planner", "GraphiQL"]
    assert focused[6].startswith("API key")
    outline = tab.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    tab.keyboard.press("Enter")  # opens the key panel
    assert tab.locator("#key-panel").evaluate("(panel) => panel.open")
    _assert_clean(visit, console)


def test_graphiql_opens_with_a_hint_and_loads_the_schema_once_a_key_is_pasted(browser: Any, console: Console) -> None:
    tab, visit = _open(browser, console, with_key=False)
    try:
        # Given no key anywhere, the IDE opens with a hint where results go, not a 401
        tab.goto(f"{console.base_url}/graphql")
        response = tab.locator(".graphiql-response")
        response.get_by_text("No API key yet").wait_for(timeout=_WAIT_MS)
        assert "401" not in response.inner_text()
        # When the key is typed into the Headers tab
        tab.get_by_role("button", name="Headers", exact=True).click()
        tab.locator(".graphiql-editor-tool .graphiql-editor >> visible=true").click()
        tab.keyboard.type(f'{{"Authorization": "Bearer {console.api_key}"}}')
        # Then the schema is fetched again with it: Docs list the root types without a manual refetch
        tab.get_by_role("button", name="Show Documentation Explorer").click()
        tab.locator(".graphiql-doc-explorer").get_by_text("Root Types").wait_for(timeout=_WAIT_MS)
        _screenshot(tab, "graphiql-key-pasted")
        # And the example runs with it
        tab.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
        response.get_by_text("verdict").first.wait_for(timeout=_WAIT_MS)
    finally:
        tab.context.close()
    assert not [error for error in visit.errors if "Content Security Policy" in error]


def test_graphiql_uses_the_key_saved_in_the_console_and_the_bare_address_leads_to_the_console(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/graphql")
    tab.get_by_role("button", name="Show Documentation Explorer").click()
    tab.locator(".graphiql-doc-explorer").get_by_text("Root Types").wait_for(timeout=_WAIT_MS)
    tab.goto(f"{console.base_url}/")
    assert tab.url == f"{console.base_url}/console"
    tab.locator("#projects-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    _assert_clean(visit, console)


def test_a_labeler_page_from_who_needs_attention_shows_learning_quality_stages_issues_and_cost(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.locator("#status").filter(has_text="days of work").wait_for(timeout=_WAIT_MS)
    # Given a labeler called out with their evidence, by name
    first = tab.locator("#attention-table tbody tr").first
    name = first.locator("th").inner_text().strip()
    assert name and not name.startswith("TGFi")
    assert "cohort" in first.inner_text()
    # When their name is followed
    first.get_by_role("link").click()
    tab.locator("#status").filter(has_text="weeks of tenure").wait_for(timeout=_WAIT_MS)
    # Then their page shows the learning curve and quality by week, stages, issues and cost
    assert tab.locator("#labeler-name").inner_text() == name
    _assert_charts_have_data(tab, ["chart-learning", "chart-quality"])
    assert tab.locator("#weeks-table tbody tr").count() >= 2
    assert tab.locator("#stages-table tbody tr").count() >= 1
    assert tab.locator('[data-kpi="cost"] dd').inner_text().startswith("$")
    assert tab.locator("#project-crumb").is_visible()
    _screenshot(tab, "labeler")
    _assert_clean(visit, console)


def test_planner_checks_another_vendors_offer_added_or_replacing_with_limits_enforced_beside_the_field(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/planner")
    tab.locator("#pools-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    # Numbers keep their precision
    price = tab.get_by_label("Price per label")
    price.fill("0.085")
    attrition = tab.get_by_label(re.compile(r"^Attrition per week \(0"))
    attrition.fill("0.0025")
    assert price.input_value() == "0.085" and attrition.input_value() == "0.0025"
    # A value past its limit is refused beside the field, which is scrolled into view, and nothing is sent
    replications = tab.get_by_label("Replications", exact=True)
    replications.fill("5000")
    tab.get_by_role("button", name="Save and run").click()
    note = tab.locator("#replications-error")
    assert "Replications must be at most 1000, got “5000”" in note.inner_text()
    assert replications.get_attribute("aria-invalid") == "true"
    assert replications.evaluate("(input) => input === document.activeElement")
    assert tab.locator("#errors").is_hidden()
    replications.fill("12")
    assert note.is_hidden() and replications.get_attribute("aria-invalid") is None
    # An offered person's day past 24 hours is refused beside its field
    hours = tab.get_by_label("Hours per person per working day")
    hours.fill("30")
    tab.get_by_role("button", name="Check the offer").click()
    assert "Hours per day must be at most 24, got “30”" in tab.locator("#offer-hours-error").inner_text()
    # When a vendor's pool is checked as an offer replacing the team, its people working 6 hours a day
    hours.fill("6")
    tab.get_by_label("Replace the current team with it").check()
    tab.get_by_label("Replications for the offer").fill("8")
    tab.get_by_label("People in production on day 0").fill("25")
    with tab.expect_request(lambda request: "ConsoleOffer(" in (request.post_data or "")) as sent:
        tab.get_by_role("button", name="Check the offer").click()
    assert json.loads(sent.value.post_data)["variables"]["input"]["offer"]["hoursPerDay"] == 6
    result = tab.locator("#offer-result")
    result.get_by_role("heading").wait_for(timeout=_WAIT_MS)
    # Then the answer says the mode, the chance with its interval, the cost in currency and units
    text = result.inner_text()
    assert "replacing the current team" in text and "95% interval" in text
    assert "$" in text and "tasks" in text
    _assert_charts_have_data(tab, ["chart-offer"])
    required = tab.evaluate("() => Chart.getChart(document.getElementById('chart-offer')).data.datasets[1].label")
    assert required.startswith("Required")
    # Both prices at once are refused beside the price
    tab.get_by_label("Hourly rate (per person-hour)").fill("12")
    tab.get_by_role("button", name="Check the offer").click()
    assert "exactly one" in tab.locator("#offer-price-error").inner_text()
    _screenshot(tab, "planner-offer")
    _assert_clean(visit, console)


def test_vendors_page_never_praises_an_offboarded_vendor_and_compares_within_a_project(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    tab.goto(f"{console.base_url}/console/vendors")
    tab.get_by_text("delivery figures").wait_for(timeout=_WAIT_MS)
    headers = tab.locator("#vendors-table thead th").all_inner_texts()[1:]
    statuses = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Status", exact=True))
    status_cells = statuses.locator("td").all_inner_texts()
    best_columns = tab.evaluate(
        "() => [...document.querySelectorAll('#vendors-table td.best')].map((td) => td.cellIndex - 1)"
    )
    assert all(status_cells[index] != "Offboarded" for index in best_columns)
    # The quoted price per label sits beside the delivered cost
    quoted = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Quoted price per label"))
    assert any("$" in text for text in quoted.locator("td").all_inner_texts())
    # Every vendor's name is under its bars
    ticks = tab.evaluate(
        "() => { const c = Chart.getChart(document.getElementById('chart-speed')); return c.scales.x.ticks.length; }"
    )
    assert ticks == len(headers)
    # When one project is chosen, only its vendors are compared, on its work, and the choice is in the address
    project = tab.get_by_label("Project")
    option = next(o for o in project.locator("option").all_inner_texts() if o.startswith("Autonomous driving"))
    project.select_option(label=option)
    tab.get_by_role("button", name="Apply").click()
    tab.locator("#status").filter(has_text="on Autonomous driving").wait_for(timeout=_WAIT_MS)
    assert "project=" in tab.url
    assert tab.locator("#vendors-table thead th").count() - 1 <= len(headers)
    # And a certification filter narrows the columns to the vendors holding it
    tab.get_by_label("Certification").select_option(label="HIPAA")
    tab.get_by_role("button", name="Apply").click()
    tab.locator("#status").filter(has_text="of").wait_for(timeout=_WAIT_MS)
    certified = tab.locator("#vendors-table tbody tr", has=tab.get_by_role("rowheader", name="Certifications"))
    assert all("HIPAA" in text for text in certified.locator("td").all_inner_texts())
    _screenshot(tab, "vendors-filtered")
    _assert_clean(visit, console)


# Marks every element that takes the focus, and notes the ones that show no focus ring when they do.
_WATCH_FOCUS = """
() => {
  window.unringed = [];
  document.addEventListener("focusin", (event) => {
    const target = event.target;
    target.dataset.reached = "1";
    const style = getComputedStyle(target);
    const ringless = style.outlineStyle === "none" && style.boxShadow === "none";
    if (ringless) window.unringed.push(target.outerHTML.slice(0, 80));
  });
}
"""
_CLIPPED_NUMBERS = """
() => [...document.querySelectorAll("main input[type=number]")]
  .filter((input) => input.value && input.scrollWidth > input.clientWidth)
  .map((input) => input.getAttribute("aria-label") || input.id)
"""
_CHARTS = """
() => (window.Chart ? [...document.querySelectorAll("canvas")].filter((c) => Chart.getChart(c)).map((c) => c.id) : [])
"""
# The main controls of each page: tab order must reach each, and each must lie inside the window's width.
_MAIN_CONTROLS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "projects": (
        "#projects-table tbody tr",
        [("label", "Filter projects"), ("button", "Project"), ("button", "Download the projects table as CSV")],
    ),
    "dashboard": (
        "#labelers-table tbody tr",
        [
            ("label", "From"),
            ("label", "To"),
            ("button", "Apply"),
            ("button", "All time"),
            ("button", "Days (CSV)"),
            ("label", "Filter labelers"),
            ("button", "Download the labelers table as CSV"),
            ("label", "Show"),
            ("label", "Filter the pipeline"),
        ],
    ),
    "labeler": ("#weeks-table tbody tr", [("button", "Download the labeler weeks table as CSV")]),
    "guidelines": (
        "#versions-table tbody tr",
        [
            ("button", "Download the guideline versions table as CSV"),
            ("label", "From version"),
            ("label", "to version"),
            ("button", "Compare"),
            ("label", "Read version"),
            ("button", "Download the guideline fields table as CSV"),
        ],
    ),
    "vendors": (
        "#vendors-table tbody tr",
        [
            ("label", "Delivered in"),
            ("label", "Project"),
            ("label", "Certification"),
            ("label", "Status"),
            ("button", "Apply"),
            ("button", "Download the vendors table as CSV"),
        ],
    ),
    "planner": (
        "#pools-table tbody tr",
        [
            ("button", "Calibrate"),
            ("label", "Horizon (days)"),
            ("label", "Demand (tasks/day)"),
            ("button", "Add launch"),
            ("button", "Add spike"),
            ("button", "Save and run"),
            ("button", "Compare"),
            ("button", "Find the cheapest plan"),
            ("button", "Check the offer"),
        ],
    ),
}


def _control(tab: Any, kind: str, name: str) -> Any:
    main = tab.locator("main")
    found = (
        main.get_by_role("button", name=name, exact=True) if kind == "button" else main.get_by_label(name, exact=True)
    )
    return found.first


@pytest.mark.parametrize("viewport", [_LAPTOP, {"width": 1920, "height": 1080}], ids=["1366x768", "1920x1080"])
def test_every_page_fits_the_screen_and_its_controls_are_reached_by_the_keyboard(
    browser: Any, console: Console, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    context.add_init_script(f"localStorage.setItem('labelops.apiKey', {console.api_key!r})")
    tab = context.new_page()
    try:
        tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
        labeler = tab.locator("#attention-table tbody tr a").first
        labeler.wait_for(timeout=_WAIT_MS)
        paths = {
            "projects": "/console",
            "dashboard": f"/console/projects/{console.project_id}",
            "labeler": labeler.get_attribute("href"),
            "guidelines": f"/console/projects/{console.project_id}/guidelines",
            "vendors": "/console/vendors",
            "planner": "/console/planner",
        }
        for page_name, path in paths.items():
            ready, controls = _MAIN_CONTROLS[page_name]
            tab.goto(f"{console.base_url}{path}")
            tab.locator(ready).first.wait_for(timeout=_WAIT_MS)
            tab.locator("#status").filter(has_text=re.compile(r"\S")).wait_for(timeout=_WAIT_MS)
            # Nothing wider than the window: no sideways scrolling of the page itself
            overflow = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than {viewport['width']}"
            # The title is readable: not squeezed into a narrow column by a form beside it
            assert tab.locator("h1").bounding_box()["width"] > 300, path
            # Every number shows whole in its input (no 0.085 cut to 0.08)
            clipped = tab.evaluate(_CLIPPED_NUMBERS)
            assert clipped == [], f"{page_name}: values cut off in {clipped}"
            # The planner's form tables fit their cards: no column to scroll sideways to
            for table in ("#pools-table", "#variants-table", "#spikes-table", "#launches-table", "#options-table"):
                if tab.locator(table).count():
                    wide = tab.locator(table).evaluate(_SIDEWAYS)
                    assert wide <= 0, f"{table} is {wide}px wider than its card"
            # No x-axis label of any chart overlaps its neighbour
            charts = tab.evaluate(_CHARTS)
            assert tab.evaluate(_TICK_OVERLAPS, charts) == [], page_name
            # From the top of the content, Tab alone reaches every main control, each inside the window, with a ring
            tab.locator("#main").focus()
            tab.evaluate(_WATCH_FOCUS)
            pending = [(kind, name) for kind, name in controls]
            for _ in range(40):
                for _ in range(10):
                    tab.keyboard.press("Tab")
                pending = [c for c in pending if _control(tab, *c).get_attribute("data-reached") != "1"]
                if not pending:
                    break
            assert pending == [], f"{page_name}: Tab never reached {pending}"
            assert tab.evaluate("() => window.unringed") == [], page_name
            for kind, name in controls:
                box = _control(tab, kind, name).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (page_name, name)
            _screenshot(tab, f"{page_name}-{viewport['width']}")
    finally:
        context.close()


def _api(console: Console, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(
        f"{console.base_url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {console.api_key}"},
        timeout=60,
    ).json()
    assert "errors" not in answer, answer
    return dict(answer["data"])


def test_dashboard_shows_delivery_against_milestones_and_budget_checkpoints(
    page: tuple[Any, Visit], console: Console
) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)

    def at(days: int) -> str:
        return (now + timedelta(days=days)).isoformat()

    plan = {
        "projectId": console.project_id,
        "expectedSecondsPerTask": 60.0,
        "milestones": [
            {"name": "Pilot batch", "dueAt": at(-3), "targetTasks": 1},
            {"name": "Everything", "dueAt": at(40), "targetShare": 1.0},
        ],
        "budgetCheckpoints": [{"at": at(-2), "plannedSpend": 0.01}, {"at": at(30), "plannedSpend": 10**7}],
    }
    stored = _api(
        console,
        "mutation($input: SetDeliveryPlanInput!) { setDeliveryPlan(input: $input) { __typename } }",
        {"input": plan},
    )
    assert stored["setDeliveryPlan"]["__typename"] == "DeliveryPlanPayload"
    tab, visit = page
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.locator("#milestones-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    rows = [row.inner_text() for row in tab.locator("#milestones-table tbody tr").all()]
    assert len(rows) == 2 and "Pilot batch" in rows[0] and "met" in rows[0]
    checkpoints = [row.inner_text() for row in tab.locator("#checkpoints-table tbody tr").all()]
    assert "over" in checkpoints[0] and "on plan" in checkpoints[1]
    assert "against 60.0 s expected" in tab.locator("#delivery-summary").inner_text()
    _screenshot(tab, "dashboard-delivery")
    _assert_clean(visit, console)


def test_guidelines_page_lists_versions_diffs_them_and_shows_their_impact(
    page: tuple[Any, Visit], console: Console
) -> None:
    tab, visit = page
    # From the dashboard's link, for a project with one version
    tab.goto(f"{console.base_url}/console/projects/{console.project_id}")
    tab.locator("#guidelines-link").click()
    tab.locator("#status").filter(has_text="version(s)").wait_for(timeout=_WAIT_MS)
    assert tab.locator("#versions-table tbody tr").count() == 1
    assert "nothing to compare" in tab.locator("#diff-summary").inner_text()
    # The support project changed its guidelines mid-way: two versions, their diff and the change's effect
    found = _api(console, '{ projects(filter: {nameContains: "chatbot"}) { edges { node { id } } } }', {})
    support = found["projects"]["edges"][0]["node"]["id"]
    tab.goto(f"{console.base_url}/console/projects/{support}/guidelines")
    tab.locator("#status").filter(has_text="the newest is v2").wait_for(timeout=_WAIT_MS)
    assert tab.locator("#versions-table tbody tr").count() == 2
    assert "v1 → v2" in tab.locator("#diff-summary").inner_text()
    assert tab.locator("#diff-lines .added").count() >= 1
    assert tab.locator("#impact-table tbody tr").count() == 2
    assert "v1 → v2" in tab.locator("#changes-table tbody tr").first.inner_text()
    # Reading the first version in full
    tab.select_option("#version-pick", "1")
    assert tab.locator("#version-h").inner_text() == "Version 1"
    assert tab.locator("#version-instructions").inner_text().strip()
    # Comparing a version with itself is refused beside the form
    tab.select_option("#diff-from", "2")
    tab.get_by_role("button", name="Compare", exact=True).click()
    assert tab.locator("#diff-error").inner_text() == "Pick two different versions."
    # Every table of the page downloads as CSV
    for name in ("guideline versions", "guideline field changes", "guideline impact", "guideline changes"):
        assert tab.get_by_role("button", name=f"Download the {name} table as CSV").count() == 1, name
    fields = _download(tab, tab.get_by_role("button", name="Download the guideline fields table as CSV"))
    assert len(fields) >= 1 and "," in fields[0]
    _screenshot(tab, "guidelines")
    _assert_clean(visit, console)
