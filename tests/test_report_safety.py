"""Report output safety (issue 9 item 6): hostile CAD fields and file names, huge cells, one read snapshot."""

from __future__ import annotations

import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_link import add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.link import relink
from bodycam_index.reports import gaps
from bodycam_index.reports.gaps import build_report
from bodycam_index.reports.render import render
from bodycam_index.reports.safe import cap, markdown_cell, visible
from bodycam_index.reports.texttable import render_table

HOSTILE_TYPES = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "<javascript:alert(1)>",
    "![x](http://evil.example/x.png)",
    "a | b",
]
OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"


@pytest.fixture
def hostile(tmp_path: Path):
    db = store.connect(tmp_path / "h.db")
    for k, kind in enumerate(HOSTILE_TYPES):
        add_incident(db, f"20230000000{k:02d}", k * 24 * 60, type=kind, precinct=OSC_TITLE + "EAST")
    add_footage(db, f"{CLEAR}evil{OSC_TITLE}.mp4", 9000, 10, zone_kind="utc")
    relink(db)
    return db


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def _markdown_html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


def test_markdown_renders_no_html_no_links(hostile):
    html = _markdown_html(render(build_report(hostile), "md"))
    found = _Tags()
    found.feed(html)
    assert found.tags <= {"h1", "h2", "p", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}, found.tags
    assert found.attrs <= {"style"}, found.attrs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, not run
    assert "[click me](javascript:alert(1))" in html  # the text is there, literally
    assert "a | b" in html  # the pipe did not split the cell


@pytest.mark.parametrize("fmt", ["table", "md", "csv"])
def test_control_characters_are_shown_escaped(hostile, fmt):
    text = render(build_report(hostile), fmt)
    assert "\x1b" not in text and "\x07" not in text
    if fmt == "md":
        text = _markdown_html(text)
    assert "\\x1b]0;pwned\\x07" in text and "\\x1b[2J" in text


def test_safe_helpers():
    assert visible("a\x1b[31mb\u202ec\x9b") == "a\\x1b[31mb\\u202ec\\x9b"
    assert visible("plain é ü 東京") == "plain é ü 東京"
    assert cap("x" * 250) == "x" * 200 + "…(+50 chars)"
    assert markdown_cell("*a* _b_ `c` <d> & e|f") == "\\*a\\* \\_b\\_ \\`c\\` &lt;d&gt; &amp; e\\|f"


def test_huge_cell_is_capped_on_the_terminal(tmp_path: Path):
    db = store.connect(tmp_path / "big.db")
    add_incident(db, "2023000000001", 0, type="A" * 5_000_000)
    text = render(build_report(db), "table")
    assert len(text) < 20_000 and "…(+4,999,800 chars)" in text


def test_text_table_folds_long_and_wide_cells():
    text = render_table("T", ["a", "b"], [["x" * 7, "東京東京"]], fold=4)
    assert text.splitlines() == ["T", "  a     b", "  ────  ────", "  xxxx  東京", "  xxx   東京"]


def test_report_reads_one_snapshot(tmp_path: Path, monkeypatch):
    """A link written by another process while the report runs is not half-seen (issue 9: 99,995 orphans)."""
    path = tmp_path / "s.db"
    db = store.connect(path)
    add_incident(db, "2023000000001", 0)
    fid = add_footage(db, "late.mp4", 10, 20)
    real_orphans = gaps._orphans

    def orphans_after_a_concurrent_link(*args, **kwargs):
        other = sqlite3.connect(path)
        with other:
            other.execute("INSERT INTO footage_hints (footage_id, kind, value, normalized)"
                          " VALUES (?, 'incident_number', '2023000000001', '2023000000001')", [fid])
            other.execute("INSERT INTO links (footage_id, incident_id, method, score, reason, manual, created_utc)"
                          " VALUES (?, 1, 'number', 1.0, 'test', 0, 'now')", [fid])
        other.close()
        return real_orphans(*args, **kwargs)

    monkeypatch.setattr(gaps, "_orphans", orphans_after_a_concurrent_link)
    report = build_report(db)
    # Incidents were read before the link existed: the recording is an orphan in the same snapshot.
    assert report["summary"]["no_footage"] == 1
    assert [o["footage_id"] for o in report["orphans"]] == [fid]
    assert not db.conn.in_transaction
