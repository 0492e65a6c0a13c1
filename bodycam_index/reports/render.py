"""Render a gap report as a terminal table, CSV, JSON, Markdown or one self-contained HTML file."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from html import escape
from typing import Any

from .safe import cap, markdown_cell, visible
from .texttable import render_table

FORMATS = ("table", "csv", "json", "md", "html")
SUMMARY_KEYS = ("incidents", "requiring_footage", "with_footage", "rate", "no_footage", "partial", "orphans",
                "clock_issues", "uncertain_links")

Section = tuple[str, str, list[str], list[dict[str, Any]]]


_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)\.\d+Z")


def _short(value: Any) -> str:
    """A cell for reading: stored UTC times shortened to `YYYY-MM-DD HH:MM:SSZ`."""
    return _ISO.sub(r"\1 \2Z", _cell(value))


def _cell(value: Any) -> str:
    """A value as cell text: empty for None, yes/no, lists joined, floats without exponent or lost digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:.15g}"  # not `:g`: six significant digits turn 1234567.8 s into 1.23457e+06
    return str(value)


def sections(report: dict[str, Any]) -> list[Section]:
    """The report as (key, title, columns, rows) tables, in reading order."""
    summary = report["summary"]
    by = report["by_group"]["by"]
    group_cols = ["group", "incidents", "requiring_footage", "with_footage", "rate"]
    return [
        ("summary", "Summary", ["measure", "value"], [{"measure": k, "value": summary[k]} for k in SUMMARY_KEYS]),
        ("by_group", f"Coverage by {by}", group_cols, report["by_group"]["rows"]),
        ("by_month", "Coverage by month (UTC)", group_cols, report["by_month"]["rows"]),
        ("no_footage", "Incidents requiring footage with none linked",
         ["incident", "type", "priority", "precinct", "received_utc", "arrived_utc", "units"], report["no_footage"]),
        ("partial", "Partial coverage",
         ["incident", "type", "arrived_utc", "coverage", "activation_delay_s", "early_stop_s", "missing_s",
          "footage", "uncertain"], report["partial"]),
        ("orphans_by_camera", "Orphan recordings per camera / officer", ["camera", "officer", "count"],
         report["orphans_by_camera"]),
        ("orphans", "Orphan recordings (linked to no incident)",
         ["footage_id", "path", "camera", "officer", "start_utc", "zone_unknown", "candidates"], report["orphans"]),
        ("clocks", "Clock problems per camera",
         ["camera", "recordings", "unknown_zone", "max_abs_drift_s", "footage"], report["clocks"]),
    ]


def to_json(report: dict[str, Any]) -> str:
    """The report as stable, indented JSON (keys documented in `reports.gaps`)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def excel_safe(text: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula (starts with = + - @, tab or CR; not a number)."""
    if text and text[0] in "=+-@\t\r":
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def to_csv(report: dict[str, Any]) -> str:
    """Every section as one flat CSV: a `section` column, then the union of the sections' columns."""
    columns: list[str] = []
    for _key, _title, cols, _rows in sections(report):
        columns.extend(c for c in cols if c not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", *columns])
    for key, _title, _cols, rows in sections(report):
        for row in rows:
            writer.writerow([key, *(excel_safe(visible(_cell(row.get(c)))) for c in columns)])
    return out.getvalue()


def to_markdown(report: dict[str, Any]) -> str:
    """Markdown: a heading and a pipe table per section."""
    lines = ["# Footage coverage report", "", f"Generated {report['generated_utc']}.", ""]
    lines += [f"> {markdown_cell(w)}" for w in report["warnings"]]
    for _key, title, cols, rows in sections(report):
        lines += [f"## {title} ({len(rows)})" if _key != "summary" else f"## {title}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for row in rows:
            cells = (markdown_cell(_short(row.get(c))) for c in cols)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def to_table(report: dict[str, Any]) -> str:
    """A readable terminal rendering: plain-text tables, control characters shown escaped, long cells capped."""
    out = [f"warning: {cap(visible(w))}\n" for w in report["warnings"]]
    for key, title, cols, rows in sections(report):
        if not rows and key != "summary":
            out.append(f"{title}: none\n")
            continue
        heading = f"{title} ({len(rows)})" if key != "summary" else title
        cells = [[cap(visible(_short(row.get(c)))) for c in cols] for row in rows]
        out.append(render_table(heading, cols, cells) + "\n")
    return "".join(out)


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f0f0}td.num{text-align:right}h2{margin-top:1.5em}.warn{color:#a40}
svg text{font:11px sans-serif}.with{fill:#2a7}.without{fill:#c33}.other{fill:#999}
"""


def _bar_chart(rows: list[dict[str, Any]], title: str, ident: str) -> str:
    rows = [r for r in rows if r["requiring_footage"]][:40]
    height, bar, label_w = 24 + 18 * len(rows), 14, 160
    parts = [f'<svg id="{ident}" width="560" height="{height}" role="img">',
             f"<title>{escape(title)}</title>"]
    for k, row in enumerate(rows):
        y = 16 + 18 * k
        rate = row["rate"] or 0.0
        parts.append(f'<text x="0" y="{y + 11}">{escape(_cell(row["group"])[:30])}</text>')  # cut, then escape
        parts.append(f'<rect x="{label_w}" y="{y}" width="300" height="{bar}" fill="#eee"/>')
        parts.append(f'<rect class="with" x="{label_w}" y="{y}" width="{300 * rate:.1f}" height="{bar}"/>')
        parts.append(f'<text x="{label_w + 306}" y="{y + 11}">{rate:.0%} of {row["requiring_footage"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _point_plot(points: list[dict[str, Any]]) -> str:
    size = 480
    parts = [f'<svg id="map" width="{size}" height="{size}" role="img">',
             "<title>Incidents with (green) and without (red) footage</title>",
             f'<rect width="{size}" height="{size}" fill="#fafafa" stroke="#ccc"/>']
    if points:
        lats = [p["lat"] for p in points]
        lons = [p["lon"] for p in points]
        lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)  # once: not per point
        scale_x = math.cos(math.radians(sum(lats) / len(lats)))
        span = max(lat1 - lat0, (lon1 - lon0) * scale_x, 1e-6)
        for p in points:
            x = 20 + (p["lon"] - lon0) * scale_x / span * (size - 40)
            y = size - 20 - (p["lat"] - lat0) / span * (size - 40)
            cls = "with" if p["has_footage"] else "without" if p["requires_footage"] else "other"
            parts.append(f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="4" fill-opacity="0.6">'
                         f"<title>{escape(str(p['incident']))}</title></circle>")
        parts.append(f'<text x="4" y="{size - 6}">{lat0:.4f}, {lon0:.4f}</text>')
        parts.append(f'<text x="{size - 4}" y="14" text-anchor="end">{lat1:.4f}, {lon1:.4f}</text>')
    parts.append("</svg>")
    parts.append('<p><svg width="10" height="10"><circle fill="#2a7" cx="5" cy="5" r="4"/></svg> with footage '
                 '<svg width="10" height="10"><circle fill="#c33" cx="5" cy="5" r="4"/></svg> requires footage, '
                 'none linked <svg width="10" height="10"><circle fill="#999" cx="5" cy="5" r="4"/></svg> '
                 "no footage required (hover a point for its number)</p>")
    return "".join(parts)


def to_html(report: dict[str, Any]) -> str:
    """One self-contained HTML page (inline CSS and SVG, no scripts, no external URLs); every value escaped."""
    summary = report["summary"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>Footage coverage report</title>", f"<style>{CSS}</style></head><body>",
           "<h1>Footage coverage report</h1>", f"<p>Generated {escape(report['generated_utc'])}.</p>"]
    out += [f'<p class="warn">{escape(w)}</p>' for w in report["warnings"]]
    out.append('<h2>Summary</h2><table id="summary"><tbody>')
    for key in SUMMARY_KEYS:
        out.append(f'<tr><th>{escape(key)}</th><td class="num" id="summary-{key}">'
                   f"{escape(_cell(summary[key]))}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<h2>Coverage by {escape(report['by_group']['by'])}</h2>")
    out.append(_bar_chart(report["by_group"]["rows"], "coverage by group", "chart-group"))
    out.append("<h2>Coverage by month</h2>")
    out.append(_bar_chart(report["by_month"]["rows"], "coverage by month", "chart-month"))
    out.append(f"<h2>Incidents with and without footage ({len(report['points'])} placed)</h2>")
    out.append(_point_plot(report["points"]))
    for key, title, cols, rows in sections(report)[1:]:
        out.append(f'<h2>{escape(title)} (<span id="count-{key}">{len(rows)}</span>)</h2>')
        if not rows:
            out.append("<p>None.</p>")
            continue
        out.append(f'<table id="table-{key}"><thead><tr>')
        out += [f"<th>{escape(c)}</th>" for c in cols]
        out.append("</tr></thead><tbody>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td>{escape(_short(row.get(c)))}</td>" for c in cols) + "</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>\n")
    return "\n".join(out)


def render(report: dict[str, Any], fmt: str) -> str:
    """The report in one of FORMATS."""
    renderers = {"table": to_table, "csv": to_csv, "json": to_json, "md": to_markdown, "html": to_html}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return renderers[fmt](report)
