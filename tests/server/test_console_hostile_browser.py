"""The console in a real browser against data chosen to break it: markup, attribute breakers, script-like text,
`javascript:` links, unbroken and right-to-left names, ids that do not exist or are malformed.

The demo workspace of `test_console_browser` is served by a server of this module's own, then renamed and extended
through the API and the Label Studio importer with hostile values, as another user or an imported file could. Every
page that shows them must show them as text: nothing runs (a global flag stays unset), no element is made from
them (the content security policy would block an injected handler silently, so its violations are recorded too),
and the text reads literally.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.server import test_console_browser
from tests.server.test_console_browser import Console, Visit, _api, _assert_clean, _open, _screenshot

# The console's own browser-test fixtures, started again for this module: a demo server of its own and a browser.
console = test_console_browser.console
browser = test_console_browser.browser

_WAIT_MS = 60_000

MARKUP = "<img src=x onerror=window.__xss=1>"
BREAKOUT = '"><svg onload=window.__xss=2>'
SCRIPTED = "${window.__xss=3}`'\"</script><script>window.__xss=3</script>"
CHANNEL_LINK = 'https://example.com/"><img src=x onerror=window.__xss=4>'

# Run before any page script: anything the policy refuses is an injection that got as far as the DOM.
_RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
"""
_INJECTED = """() => ({
  flag: window.__xss ?? null,
  violations: window.__violations,
  elements: document.querySelectorAll('img[src="x"], svg, script:not([src]), [onerror], [onload]').length,
  links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"))
    .filter((href) => !/^(\\/|https?:|mailto:|#)/.test(href)),
})"""


@dataclass(frozen=True)
class Hostile:
    """What was seeded: ids to visit and the exact texts the pages must show."""

    project_id: str
    project: str
    vendor: str
    labeler_id: str
    labelers: tuple[str, ...]
    imported_labeler: str
    issue: str
    comment: str
    resolution: str
    external_id: str
    example: str
    mistake: str


def _ok(answer: dict[str, Any], field: str) -> dict[str, Any]:
    payload = answer[field]
    assert not payload["__typename"].endswith("Error"), payload
    return dict(payload)


def _seed(console: Console) -> Hostile:
    project_id = console.project_id
    project = f"Drive {MARKUP} {SCRIPTED}"
    vendor = f"North {BREAKOUT}"
    update_project = "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { __typename } }"
    _ok(_api(console, update_project, {"i": {"id": project_id, "name": project}}), "updateProject")
    vendors = _api(console, '{ vendors(filter: {nameContains: "Northwind"}) { edges { node { id } } } }', {})
    vendor_id = vendors["vendors"]["edges"][0]["node"]["id"]
    update_vendor = "mutation($i: UpdateVendorInput!) { updateVendor(input: $i) { __typename } }"
    _ok(_api(console, update_vendor, {"i": {"id": vendor_id, "name": vendor}}), "updateVendor")
    channel = (
        "mutation($i: AddCommunicationChannelInput!) { addCommunicationChannel(input: $i) { __typename "
        "... on UserError { message } } }"
    )
    link = {"vendorId": vendor_id, "kind": "DOCUMENT", "link": CHANNEL_LINK, "note": MARKUP, "preferred": True}
    _ok(_api(console, channel, {"i": link}), "addCommunicationChannel")
    refused = _api(console, channel, {"i": {**link, "link": "javascript:window.__xss=5"}})
    assert refused["addCommunicationChannel"]["__typename"] == "ValidationError"

    found = _api(console, "query($id: ID!) { project(id: $id) { labelers(first: 3) { edges { node { id } } } } }",
                 {"id": project_id})  # fmt: skip
    labeler_ids = [edge["node"]["id"] for edge in found["project"]["labelers"]["edges"]]
    labelers = (f"{MARKUP} Ada", f"{BREAKOUT} Bo", f"{SCRIPTED} Cy")
    update_labeler = "mutation($i: UpdateLabelerInput!) { updateLabeler(input: $i) { __typename } }"
    for labeler_id, name in zip(labeler_ids, labelers, strict=True):
        email = f'x+"><img/src=x/onerror=window.__xss=6>@{len(name)}.example.com'
        _ok(_api(console, update_labeler, {"i": {"id": labeler_id, "name": name, "email": email}}), "updateLabeler")

    external_id = f"frame-{MARKUP}"
    tasks = "mutation($i: CreateTasksInput!) { createTasks(input: $i) { ... on TasksPayload { tasks { id } } } }"
    created = _api(console, tasks, {"i": {"projectId": project_id, "tasks": [{"externalId": external_id}]}})
    task_id = created["createTasks"]["tasks"][0]["id"]
    issue, comment, resolution = f"Box {MARKUP} {SCRIPTED}", f"Reply {BREAKOUT}", f"Settled {MARKUP}"
    raise_issue = "mutation($i: RaiseIssueInput!) { raiseIssue(input: $i) { ... on IssuePayload { issue { id } } } }"
    raised = _api(console, raise_issue, {"i": {"title": issue, "body": SCRIPTED, "projectId": project_id,
                                               "taskId": task_id, "raisedById": labeler_ids[0]}})  # fmt: skip
    issue_id = raised["raiseIssue"]["issue"]["id"]
    comment_on = "mutation($i: CommentOnIssueInput!) { commentOnIssue(input: $i) { __typename } }"
    _ok(_api(console, comment_on, {"i": {"issueId": issue_id, "body": comment}}), "commentOnIssue")
    resolve = "mutation($i: ResolveIssueInput!) { resolveIssue(input: $i) { __typename } }"
    _ok(_api(console, resolve, {"i": {"issueId": issue_id, "resolution": resolution}}), "resolveIssue")

    example, mistake = f"Input {MARKUP}", f"Mistake {SCRIPTED}"
    ontology = {"kind": "bounding_box", "field": "class", "classes": ["car", MARKUP], "attributes": {}}
    version = {
        "projectId": project_id,
        "changeNote": f"Note {BREAKOUT}",
        "ontology": ontology,
        "instructions": f"Draw {MARKUP}\n{SCRIPTED}",
        "examples": [{"input": example, "answer": {"class": MARKUP}, "explanation": BREAKOUT}],
        "commonMistakes": [{"mistake": mistake, "correction": MARKUP}],
    }
    publish = "mutation($i: PublishGuidelineVersionInput!) { publishGuidelineVersion(input: $i) { __typename } }"
    _ok(_api(console, publish, {"i": version}), "publishGuidelineVersion")

    # An imported file names its own people: a Label Studio export whose annotator's e-mail is markup.
    imported_labeler = f"{BREAKOUT}@import.example.com"
    when = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    export = [{"id": 990_001, "data": {"image": "x.png"}, "annotations": [{
        "id": 990_002, "completed_by": {"id": 990_003, "email": imported_labeler}, "created_at": when,
        "lead_time": 42.0, "result": [{"type": "choices", "from_name": "class", "value": {"choices": ["car"]}}],
    }]}]  # fmt: skip
    imported = _api(
        console,
        "mutation($i: ImportHistoryInput!) { importHistory(input: $i) { __typename ... on UserError { message } } }",
        {"i": {"format": "LABELSTUDIO", "projectId": project_id, "content": json.dumps(export)}},
    )
    assert not imported["importHistory"]["__typename"].endswith("Error"), imported
    return Hostile(project_id, project, vendor, labeler_ids[0], labelers, imported_labeler, issue, comment,
                   resolution, external_id, example, mistake)  # fmt: skip


@pytest.fixture(scope="module")
def hostile(console: Console) -> Hostile:
    return _seed(console)


@pytest.fixture
def tab(browser: Any, console: Console) -> Iterator[tuple[Any, Visit]]:
    opened, visit = _open(browser, console)
    opened.add_init_script(_RECORD_VIOLATIONS)
    yield opened, visit
    opened.context.close()


def _assert_nothing_injected(page: Any, where: str) -> None:
    found = page.evaluate(_INJECTED)
    assert found == {"flag": None, "violations": [], "elements": 0, "links": []}, where


def test_hostile_names_titles_and_notes_are_shown_as_text_on_every_page(
    tab: tuple[Any, Visit],
    console: Console,
    hostile: Hostile,
) -> None:
    page, visit = tab
    base = console.base_url
    # The projects list
    page.goto(f"{base}/console")
    page.get_by_role("link", name=hostile.project, exact=True).wait_for(timeout=_WAIT_MS)
    _assert_nothing_injected(page, "projects")
    # The dashboard: name, vendors, labelers (edited and imported), the issue with its thread
    page.goto(f"{base}/console/projects/{hostile.project_id}")
    page.locator("#labelers-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    assert page.locator("#project-name").inner_text() == hostile.project
    assert page.title() == f"{hostile.project} · LabelOps console"
    assert hostile.vendor in page.locator("#project-meta").inner_text()
    names = page.locator("#labelers-table tbody th").all_inner_texts()
    assert {*hostile.labelers[:2], hostile.imported_labeler} <= set(names)
    page.get_by_label("Show").select_option(label="resolved issues")
    thread = page.locator("#issues details.issue", has_text=hostile.issue)
    thread.locator("summary").click()
    assert thread.locator(".thread li", has_text=hostile.comment).count() == 1
    meta = thread.locator("summary .meta").inner_text()
    assert f"task {hostile.external_id}" in meta and f"resolved: {hostile.resolution}" in meta
    _screenshot(page, "hostile-dashboard")
    _assert_nothing_injected(page, "dashboard")
    # The guidelines: instructions, examples and mistakes of the newest version
    page.goto(f"{base}/console/projects/{hostile.project_id}/guidelines")
    page.locator("#status").filter(has_text="the newest is").wait_for(timeout=_WAIT_MS)
    assert page.locator("#version-instructions").inner_text() == f"Draw {MARKUP}\n{SCRIPTED}"
    assert page.locator("#version-examples li strong").first.inner_text() == hostile.example
    assert page.locator("#version-mistakes li strong").first.inner_text() == hostile.mistake
    assert MARKUP in page.locator("#version-fields").inner_text()
    _assert_nothing_injected(page, "guidelines")
    # The labeler page, with the issue they raised
    page.goto(f"{base}/console/labelers/{hostile.labeler_id}?project={hostile.project_id}")
    page.locator("#status").filter(has_text="weeks of tenure").wait_for(timeout=_WAIT_MS)
    assert page.locator("#labeler-name").inner_text() == hostile.labelers[0]
    assert page.locator("#project-crumb").inner_text() == hostile.project
    assert page.locator("#issues h3").first.inner_text().startswith(hostile.issue)
    _assert_nothing_injected(page, "labeler")
    # The vendors: the name, and the channel's link kept whole as an address, its note as text
    page.goto(f"{base}/console/vendors")
    page.locator("#vendors-table tbody tr").first.wait_for(timeout=_WAIT_MS)
    assert hostile.vendor in page.locator("#vendors-table").inner_text()
    channel = page.locator(f'#vendors-table a[href="{CHANNEL_LINK.replace(chr(34), chr(92) + chr(34))}"]')
    assert channel.count() == 1
    assert MARKUP in page.locator("#vendors-table").inner_text()
    _assert_nothing_injected(page, "vendors")
    # The planner offers the project by its name
    page.goto(f"{base}/console/planner")
    page.locator("#calibrate-project option", has_text=hostile.project).wait_for(state="attached", timeout=_WAIT_MS)
    _assert_nothing_injected(page, "planner")
    _assert_clean(visit, console)


_SIDEWAYS_PAGE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_names_without_spaces_wrap_instead_of_pushing_pages_sideways(
    tab: tuple[Any, Visit],
    console: Console,
) -> None:
    # Given a project, a vendor and a labeler named by an import with 188 characters and no space
    long = "Importedbatch" * 14 + "Final"
    create = (
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { ... on ProjectPayload { project { id } } } }"
    )
    created = _api(console, create, {"i": {"name": f"Z{long}", "dataType": "IMAGE"}})
    project_id = created["createProject"]["project"]["id"]
    vendors = _api(console, '{ vendors(filter: {nameContains: "Vector"}) { edges { node { id } } } }', {})
    vendor_id = vendors["vendors"]["edges"][0]["node"]["id"]
    update_vendor = "mutation($i: UpdateVendorInput!) { updateVendor(input: $i) { __typename } }"
    _ok(_api(console, update_vendor, {"i": {"id": vendor_id, "name": f"V{long}"}}), "updateVendor")
    found = _api(console, "query($id: ID!) { project(id: $id) { labelers(first: 4) { edges { node { id } } } } }",
                 {"id": console.project_id})  # fmt: skip
    labeler_id = found["project"]["labelers"]["edges"][3]["node"]["id"]
    update_labeler = "mutation($i: UpdateLabelerInput!) { updateLabeler(input: $i) { __typename } }"
    _ok(_api(console, update_labeler, {"i": {"id": labeler_id, "name": f"L{long}"}}), "updateLabeler")
    page, visit = tab
    pages = {
        "/console": "#projects-table tbody tr",
        f"/console/projects/{project_id}": "#no-data:not([hidden])",
        f"/console/projects/{project_id}/guidelines": "#versions-table tbody tr",
        f"/console/labelers/{labeler_id}": "#weeks-table tbody tr",
        "/console/vendors": "#vendors-table tbody tr",
    }
    for path, ready in pages.items():
        # When each page showing one of them is opened on a laptop's screen
        page.goto(f"{console.base_url}{path}")
        page.locator(ready).first.wait_for(timeout=_WAIT_MS)
        # Then the name wraps inside the page: nothing scrolls sideways
        assert page.evaluate(_SIDEWAYS_PAGE) <= 0, path
    _assert_clean(visit, console)


_NO_PROJECT = "This project does not exist (or this API key may not see it)."
_NO_LABELER = "This labeler does not exist (or this API key may not see them)."
_NO_PROJECT_IN_ADDRESS = "The project in the address does not exist (or this API key may not see it)."


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/console/projects/UHJvamVjdDo5OTk5", _NO_PROJECT),  # Project:9999, well formed
        ("/console/projects/garbage", _NO_PROJECT),
        ("/console/projects/%22%3E%3Cimg%20src%3Dx%3E", _NO_PROJECT),
        ("/console/projects/VmVuZG9yOjE=", _NO_PROJECT),  # a vendor's id
        ("/console/projects/garbage/guidelines", _NO_PROJECT),
        ("/console/projects/UHJvamVjdDo5OTk5/guidelines", _NO_PROJECT),
        ("/console/labelers/garbage", _NO_LABELER),
        ("/console/labelers/UHJvamVjdDox", _NO_LABELER),  # a project's id
        ("/console/labelers/TGFiZWxlcjox?project=garbage", _NO_PROJECT_IN_ADDRESS),
        ("/console/labelers/TGFiZWxlcjox?project=UHJvamVjdDo5OTk5", _NO_PROJECT_IN_ADDRESS),
    ],
)
def test_an_address_naming_no_record_says_so_in_plain_words(
    tab: tuple[Any, Visit], console: Console, path: str, said: str
) -> None:
    page, visit = tab
    # When a page is opened for an id that is unknown, malformed or of another kind
    page.goto(f"{console.base_url}{path}")
    banner = page.locator("#errors .error p")
    banner.first.wait_for(timeout=_WAIT_MS)
    # Then one message says the record does not exist, without the server's parsing jargon, and nothing is logged
    assert banner.all_inner_texts() == [said]
    _assert_clean(visit, console)


def test_the_planner_calibrates_from_a_project_with_history_not_a_new_empty_one_listed_first(
    tab: tuple[Any, Visit], console: Console
) -> None:
    # Given an active project just created, with no tasks yet, first by name
    create = "mutation($i: CreateProjectInput!) { createProject(input: $i) { __typename } }"
    empty = {"name": "Aardvark pilot", "dataType": "TEXT", "status": "ACTIVE"}
    assert _api(console, create, {"i": empty})["createProject"]["__typename"] == "ProjectPayload"
    page, visit = tab
    # When the planner opens
    page.goto(f"{console.base_url}/console/planner")
    # Then it calibrates from a project with recorded history, and no error greets the user
    page.locator("#status").filter(has_text="Calibrated from").wait_for(timeout=_WAIT_MS)
    chosen = page.locator("#calibrate-project option:checked").inner_text()
    assert chosen != "Aardvark pilot" and chosen in page.locator("#status").inner_text()
    assert page.locator("#errors").is_hidden()
    # And the empty project can still be chosen, its refusal said in words
    page.locator("#calibrate-project").select_option(label="Aardvark pilot")
    page.get_by_role("button", name="Calibrate", exact=True).click()
    page.locator("#errors .error").wait_for(timeout=_WAIT_MS)
    assert "must be a project with recorded tasks" in page.locator("#errors").inner_text()
    _assert_clean(visit, console)


def test_an_empty_project_in_a_labelers_address_means_every_project(tab: tuple[Any, Visit], console: Console) -> None:
    page, visit = tab
    page.goto(f"{console.base_url}/console/labelers/TGFiZWxlcjox?project=")
    page.locator("#status").filter(has_text="weeks of tenure").wait_for(timeout=_WAIT_MS)
    assert page.locator("#labeler-meta").inner_text().endswith("figures over every project")
    assert page.locator("#errors").is_hidden()
    _assert_clean(visit, console)


# Whether `text` (one word: a line cannot break inside it) is drawn left to right: its first letter left of its last.
_READS_LEFT_TO_RIGHT = """(root, text) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const left = (i) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect().left;
    };
    return left(at) < left(at + text.length - 1);
  }
  return null;
}"""
_OVERRIDE = "\N{RIGHT-TO-LEFT OVERRIDE}"


def test_a_right_to_left_override_in_a_name_does_not_reverse_the_words_after_it(
    tab: tuple[Any, Visit], console: Console
) -> None:
    # Given a vendor and a labeler whose names hold a right-to-left override never closed, as a paste could
    vendors = _api(console, '{ vendors(filter: {nameContains: "Crowdsource"}) { edges { node { id } } } }', {})
    vendor_id = vendors["vendors"]["edges"][0]["node"]["id"]
    update_vendor = "mutation($i: UpdateVendorInput!) { updateVendor(input: $i) { __typename } }"
    _ok(_api(console, update_vendor, {"i": {"id": vendor_id, "name": f"Crowd {_OVERRIDE}سوق"}}), "updateVendor")
    found = _api(console, "query($id: ID!) { project(id: $id) { labelers(first: 5) { edges { node { id } } } } }",
                 {"id": console.project_id})  # fmt: skip
    labeler_id = found["project"]["labelers"]["edges"][4]["node"]["id"]
    update_labeler = "mutation($i: UpdateLabelerInput!) { updateLabeler(input: $i) { __typename } }"
    _ok(_api(console, update_labeler, {"i": {"id": labeler_id, "name": f"{_OVERRIDE}Rana"}}), "updateLabeler")
    raise_issue = "mutation($i: RaiseIssueInput!) { raiseIssue(input: $i) { __typename } }"
    issue = {"title": f"{_OVERRIDE}Direction", "body": "Which way?", "projectId": console.project_id,
             "raisedById": labeler_id}  # fmt: skip
    _ok(_api(console, raise_issue, {"i": issue}), "raiseIssue")
    page, visit = tab
    # When the project's dashboard shows them among other names and words
    page.goto(f"{console.base_url}/console/projects/{console.project_id}")
    summary = page.locator("#issues details.issue summary", has_text="Direction")
    summary.wait_for(timeout=_WAIT_MS)
    # Then the override stays inside its name: the vendor listed after it, and the words after the issue's title
    # and its raiser's name, still read left to right
    assert page.locator("#project-meta").evaluate(_READS_LEFT_TO_RIGHT, "LabelOps") is True
    assert summary.locator("h3").evaluate(_READS_LEFT_TO_RIGHT, "Open") is True
    assert summary.locator(".meta").evaluate(_READS_LEFT_TO_RIGHT, "message") is True
    _assert_clean(visit, console)
