"""The HTML report in a real headless Chromium: it loads without console errors and shows the JSON report's numbers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_link import HOME, add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.link import relink

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Ids(HTMLParser):
    """Text of elements with an id, and row counts of tables with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        self._open: list[str] = []
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag == "table":
            self._table = ident
        if tag == "tr" and self._table and self._open[-1:] != ["thead"]:
            self.rows[self._table] = self.rows.get(self._table, 0) + 1
        self._open.append(tag if tag == "thead" else "")
        if ident:
            self.text[ident] = ""
            self._current = ident

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()
        self._current = None

    def handle_data(self, data: str) -> None:
        if getattr(self, "_current", None):
            self.text[self._current] += data


def _chromium_dom(page: Path, profile: Path) -> tuple[str, str]:
    if not CHROMIUM:
        if os.environ.get("BODYCAM_REQUIRE_BROWSER") == "1":
            pytest.fail("BODYCAM_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("chromium is not installed")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def _console(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Failed to load resource" in line]


def test_console_errors_are_seen(tmp_path: Path):
    """The check below means something: a page that logs an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><script>console.error("boom")</script></body></html>')
    _dom, log = _chromium_dom(page, tmp_path / "profile")
    assert any("boom" in line for line in _console(log))


def test_html_report_in_chromium_matches_json(tmp_path: Path):
    path = tmp_path / "b.db"
    db = store.connect(path)
    add_incident(db, "2023000000001", 0, units=[("3B12", None)])
    add_incident(db, "2023000000002", 24 * 60)
    add_incident(db, "2023000000003", 48 * 60, precinct="WEST", type="<b>THEFT</b> & more")
    add_incident(db, "2023000000004", 40 * 24 * 60, requires_footage=0)
    add_footage(db, "a.mp4", 4, 40, fixes=[(1, *HOME)], serial="CAM1")
    add_footage(db, "b.mp4", 24 * 60 + 30, 5, hints=["2023000000002"], serial="CAM1")
    add_footage(db, "orphan.mp4", 500, 5, fixes=[(1, 47.7, -122.4)], serial="CAM2", zone_kind="unknown")
    relink(db)
    runner = CliRunner()
    page = tmp_path / "report.html"
    assert runner.invoke(main, ["--db", str(path), "gaps", "--format", "html", "-o", str(page)]).exit_code == 0
    report = json.loads(runner.invoke(main, ["--db", str(path), "gaps", "--format", "json"]).output)

    dom, log = _chromium_dom(page, tmp_path / "profile")
    assert _console(log) == []
    assert "<svg" in dom and 'id="map"' in dom
    found = _Ids()
    found.feed(dom)
    for key, value in report["summary"].items():
        if key == "exclusions":
            continue
        shown = found.text[f"summary-{key}"].strip()
        text = "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        assert shown == (f"{text} %" if key.endswith("_pct") and text else text), key
    for section in ("no_footage", "partial", "in_doubt", "orphans", "clocks", "by_group", "by_month", "incidents"):
        assert int(found.text[f"count-{section}"]) == len(report[section]["rows"] if section.startswith("by_")
                                                             else report[section])
        if found.text[f"count-{section}"] != "0":
            assert found.rows[f"table-{section}"] == int(found.text[f"count-{section}"])
    assert report["summary"]["no_footage"] == 1 and report["summary"]["partial"] == 1
    assert "<td>&lt;b&gt;THEFT&lt;/b&gt; &amp; more</td>" in dom and "<b>" not in dom
    assert re.search(r"<circle class=\"no-footage\"", dom)


def test_officer_timelines_in_chromium(tmp_path: Path):
    """The officer table and one timeline per incident where an officer falls short, as the browser shows them."""
    from test_report_officers import world as officers_world

    db = officers_world._get_wrapped_function()(tmp_path)  # the hand-built officers, units, roster, recordings
    page = tmp_path / "officers.html"
    path = db.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(main, ["--db", path, "gaps", "--format", "html", "-o", str(page),
                                       "--as-of", "2024-01-01", "--tz", "America/Los_Angeles"])
    assert result.exit_code == 0, result.output
    dom, log = _chromium_dom(page, tmp_path / "profile")
    assert [line for line in _console(log) if "tile.openstreetmap.org" not in line] == []
    found = _Ids()
    found.feed(dom)
    assert found.rows["table-officers"] == 6 and found.text["count-officers"] == "6"
    # I1 (202 partial), I2 (101 partial, 202 none), I3 (404 partial), I4 (505 in doubt): 4 incidents fall short.
    assert found.text["count-timelines"] == "4" and dom.count('class="timeline"') == 4
    assert "<td>2023-06-04 09:00:00 PDT</td>" in dom  # local time beside UTC
