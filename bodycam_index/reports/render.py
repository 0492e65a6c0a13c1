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

Section = tuple[str, str, list[str], list[dict[str, Any]]]

#: Plain column labels for people (CSV and JSON keep the keys).
LABELS = {
    "incident": "incident", "number": "searchable number", "received_utc": "received (UTC)",
    "received_local": "received (local)", "arrived_utc": "arrived (UTC)", "cleared_utc": "cleared (UTC)",
    "coverage_pct": "recorded", "covered_s": "recorded s", "window_s": "window s", "missing_s": "missing s",
    "activation_delay_s": "started after arrival s", "early_stop_s": "stopped before clear s",
    "covered_pct": "covered", "meets_goal": "meets goal", "in_doubt": "in doubt", "no_footage": "no footage",
    "footage": "recording ids", "footage_id": "recording", "zone_unknown": "zone unknown",
    "candidates": "time-only candidates", "max_abs_drift_s": "largest drift s", "unknown_zone": "zone unknown",
    "start_utc": "start (UTC)", "typed": "typed as", "linked_to": "linked to", "end_utc": "end (UTC)", "times_from": "times of",
    "activation_after_dispatch_s": "started after dispatch s", "activation_after_arrival_s": "started after arrival s",
    "stopped_before_clear_s": "stopped before clear s", "recorded_pct": "recorded",
    "median_activation_after_arrival_s": "median start after arrival s", "mean_coverage_pct": "mean share recorded",
    "pre_event_s": "pre-event buffer s", "pre_event": "pre-event buffer", "pre_event_missing": "pre-event missing",
    "required_by": "required by", "kept": "category keeps",
}
_SUMMARY_LABELS = {
    "incidents": "Incidents in scope", "required": "Required (the denominator)", "covered": "Covered",
    "partial": "Partial", "in_doubt": "In doubt (only uncertain evidence)", "no_footage": "No footage",
    "not_required": "Not required", "covered_pct": "Covered, of required", "recorded_pct": "Any footage, of required",
    "goal_pct": "Goal (policy)", "denominator": "Rates are over", "orphans": "Orphan recordings",
    "clock_issues": "Recordings with clock problems", "uncertain_links": "Links made over a widened window",
    "pre_event_missing": "Officers whose recording shows too short a pre-event buffer",
    "retention_risks": "Linked DEMS recordings at retention risk",
}


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


def _human(row: dict[str, Any], key: str) -> str:
    """A cell for people: percentages with %, times shortened, control characters visible."""
    value = row.get(key)
    if key.endswith("_pct") and value is not None:
        return f"{_cell(value)} %"
    if key == "value" and str(row.get("measure", "")).endswith("_pct") and value is not None:
        return f"{_cell(value)} %"
    return visible(_short(value))


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def _summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    summary = report["summary"]
    rows = [{"measure": k, "label": _SUMMARY_LABELS.get(k, k), "value": v}
            for k, v in summary.items() if k != "exclusions"]
    rows += [{"measure": f"excluded: {rule}", "label": f"Not required: {rule}", "value": n}
             for rule, n in summary["exclusions"].items()]
    return rows


def _manifest_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    m = report["manifest"]
    rows = [
        {"measure": "tool", "value": f"{m['tool']} {m['version']}"},
        {"measure": "as_of", "value": m["as_of"]},
        {"measure": "database", "value": m["database"]["path"]},
        {"measure": "database content sha256", "value": m["database"]["content_sha256"]},
        {"measure": "policy", "value": m["policy"]["source"]},
        {"measure": "policy sha256", "value": m["policy"]["sha256"]},
        {"measure": "audit head", "value": f"entry {m['audit_head']['entry']} {m['audit_head']['hash']}"},
    ]
    rows += [{"measure": f"imported {f['kind']}", "value": f"{f['file']} ({f['rows']} rows) sha256 at import "
              f"{f['sha256'] or 'not stored'}; on disk now: {f['on_disk']}"} for f in m["imported_files"]]
    return rows


def _policy_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"measure": k, "value": json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}
            for k, v in report["policy"]["rules"].items()]


def sections(report: dict[str, Any]) -> list[Section]:
    """The report as (key, title, columns, rows) tables, in reading order."""
    by = report["by_group"]["by"]
    local = ["received_local"] if report["policy"]["rules"].get("zone") else []
    group_cols = ["group", "incidents", "required", "covered", "partial", "in_doubt", "no_footage", "covered_pct",
                  "meets_goal"]
    return [
        ("summary", "Summary", ["label", "value"], _summary_rows(report)),
        ("by_group", f"Coverage by {by}", group_cols, report["by_group"]["rows"]),
        ("by_month", "Coverage by month (UTC)", group_cols, report["by_month"]["rows"]),
        ("officers", "Officers on required incidents",
         ["incident", "unit", "officer", "cameras", "times_from", "state", "activation_after_dispatch_s",
          "activation_after_arrival_s", "stopped_before_clear_s", "covered_s", "coverage_pct", "pre_event_s",
          "pre_event", "footage"],
         report["officers"]),
        *[(f"officer_summary_{by}", f"Officer compliance by {by}", [
            "group", "expected", "recorded", "covered", "in_doubt", "recorded_pct", "covered_pct",
            "median_activation_after_arrival_s", "mean_coverage_pct", "pre_event_missing", "meets_goal"],
            report["officer_summary"][by])
          for by in report["officer_summary"]],
        ("no_footage", "Required incidents with no footage",
         ["incident", "number", "type", "priority", "precinct", "received_utc", *local, "arrived_utc", "units"],
         report["no_footage"]),
        ("explained", "Why no recording matched (nearest candidates)",
         ["incident", "footage_id", "path", "start_utc", "why"], report["explained"]),
        ("partial", "Required incidents partly recorded",
         ["incident", "type", "received_utc", *local, "coverage_pct", "covered_s", "window_s", "activation_delay_s",
          "early_stop_s", "footage"], report["partial"]),
        ("in_doubt", "Required incidents with only uncertain evidence",
         ["incident", "type", "received_utc", *local, "why", "footage"], report["in_doubt"]),
        ("orphans_by_camera", "Orphan recordings per camera / officer", ["camera", "officer", "count"],
         report["orphans_by_camera"]),
        ("orphans", "Orphan recordings (linked to no incident)",
         ["footage_id", "path", "camera", "officer", "start_utc", "zone_unknown", "candidates"], report["orphans"]),
        ("clocks", "Clock problems per camera",
         ["camera", "recordings", "unknown_zone", "max_abs_drift_s", "footage"], report["clocks"]),
        ("dems_audit", "DEMS entries without an incident number or category",
         ["footage_id", "dems_id", "officer", "start_utc", "typed", "category", "issue", "linked_to", "action"],
         report["dems_audit"]),
        ("retention", "Retention risk (linked DEMS footage)",
         ["incident", "required_by", "required", "footage_id", "dems_id", "officer", "category", "kept", "issue",
          "action"], report["retention"]),
        ("data_warnings", "Import and clock warnings", ["kind", "subject", "issue", "detail"],
         report["data_warnings"]),
        ("incidents", "Every incident and its state",
         ["incident", "type", "priority", "received_utc", *local, "state", "rule", "coverage_pct", "footage"],
         report["incidents"]),
        ("policy", "Policy", ["measure", "value"], _policy_rows(report)),
        ("manifest", "Manifest (how to reproduce this report)", ["measure", "value"], _manifest_rows(report)),
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
    columns: list[str] = ["measure"]
    for _key, _title, cols, _rows in sections(report):
        columns.extend(c for c in cols if c not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", *columns])
    for key, _title, _cols, rows in sections(report):
        for row in rows:
            writer.writerow([key, *(excel_safe(visible(_cell(row.get(c)))) for c in columns)])
    return out.getvalue()


def _title(key: str, title: str, rows: list[Any]) -> str:
    return title if key in ("summary", "policy", "manifest") else f"{title} ({len(rows)})"


def to_markdown(report: dict[str, Any]) -> str:
    """Markdown: a heading and a pipe table per section; every cell escaped."""
    m = report["manifest"]
    lines = ["# Footage coverage report", "",
             (f"As of {markdown_cell(m['as_of'])}; policy {markdown_cell(m['policy']['source'])}"
              f" (sha256 {m['policy']['sha256']})."), ""]
    lines += [f"> {markdown_cell(w)}" for w in report["warnings"]]
    for key, title, cols, rows in sections(report):
        lines += [f"## {_title(key, title, rows)}", ""]  # titles are the tool's own words
        if not rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(markdown_cell(_label(c)) for c in cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for row in rows:
            lines.append("| " + " | ".join(markdown_cell(_human(row, c)) for c in cols) + " |")
        lines.append("")
    return "\n".join(lines)


def to_table(report: dict[str, Any]) -> str:
    """A readable terminal rendering: plain-text tables, control characters shown escaped, long cells capped."""
    out = [f"warning: {cap(visible(w))}\n" for w in report["warnings"]]
    for key, title, cols, rows in sections(report):
        if not rows:
            out.append(f"{title}: none\n\n")
            continue
        cells = [[cap(_human(row, c)) for c in cols] for row in rows]
        out.append(render_table(visible(_title(key, title, rows)), [_label(c) for c in cols], cells) + "\n")
    return "".join(out)


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f0f0}td.num{text-align:right}h2{margin-top:1.5em}.warn{color:#a40}
svg text{font:11px sans-serif}.covered{fill:#2a7}.partial{fill:#e90}.in-doubt{fill:#88c}.no-footage{fill:#c33}
.not-required{fill:#bbb}.map{position:relative;width:512px;height:512px;overflow:hidden;background:#eef;
border:1px solid #ccc}.map .tile{position:absolute;width:256px;height:256px}.map svg{position:absolute;left:0;top:0}
.attr{font-size:11px;color:#555}
"""
STATE_CLASS = {"covered": "covered", "partial": "partial", "in doubt": "in-doubt", "no footage": "no-footage",
               "not required": "not-required"}
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_PX = 512


def _legend() -> str:
    items = "".join(f'<svg width="10" height="10"><rect class="{cls}" width="10" height="10"/></svg> {escape(state)} '
                    for state, cls in STATE_CLASS.items())
    return f"<p>{items}</p>"


def _bar_chart(rows: list[dict[str, Any]], title: str, ident: str) -> str:
    """Stacked bars of required incidents by state; every group drawn (no silent cut), labels cut then escaped."""
    rows = [r for r in rows if r["required"]]
    height, bar, label_w, width = 24 + 18 * len(rows), 14, 170, 300
    parts = [f'<svg id="{ident}" width="{label_w + width + 140}" height="{height}" role="img">',
             f"<title>{escape(title)}</title>"]
    for k, row in enumerate(rows):
        y = 16 + 18 * k
        parts.append(f'<text x="0" y="{y + 11}">{escape(_cell(row["group"])[:30])}</text>')  # cut, then escape
        x = float(label_w)
        for key, cls in (("covered", "covered"), ("partial", "partial"), ("in_doubt", "in-doubt"),
                         ("no_footage", "no-footage")):
            w = width * row[key] / row["required"]
            if w:
                parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}">'
                             f"<title>{escape(key.replace('_', ' '))}: {row[key]}</title></rect>")
            x += w
        rate = "" if row["covered_pct"] is None else f"{row['covered_pct']:g} %"
        parts.append(f'<text x="{label_w + width + 6}" y="{y + 11}">{rate} of {row["required"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at `zoom` (256 px tiles)."""
    scale = 256 * 2**zoom
    lat = max(min(lat, 85.05), -85.05)
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return (lon + 180) / 360 * scale, y * scale


def _map(points: list[dict[str, Any]]) -> str:
    """Incidents on OpenStreetMap tiles when online; offline the points, their colours and the corner coordinates
    still read on a plain background."""
    if not points:
        return "<p>No incident has a position.</p>"
    lats, lons = [p["lat"] for p in points], [p["lon"] for p in points]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    zoom = 17
    while zoom > 1:
        x0, y1 = _mercator(lat0, lon0, zoom)
        x1, y0 = _mercator(lat1, lon1, zoom)
        if x1 - x0 <= MAP_PX - 40 and y1 - y0 <= MAP_PX - 40:
            break
        zoom -= 1
    x0, y1 = _mercator(lat0, lon0, zoom)
    x1, y0 = _mercator(lat1, lon1, zoom)
    left, top = (x0 + x1) / 2 - MAP_PX / 2, (y0 + y1) / 2 - MAP_PX / 2
    parts = ['<div class="map" id="map">']
    n = 2**zoom
    for ty in range(math.floor(top / 256), math.floor((top + MAP_PX) / 256) + 1):
        for tx in range(math.floor(left / 256), math.floor((left + MAP_PX) / 256) + 1):
            if 0 <= ty < n:
                url = TILE_URL.format(z=zoom, x=tx % n, y=ty)
                parts.append(f'<div class="tile" style="left:{tx * 256 - left:.0f}px;top:{ty * 256 - top:.0f}px;'
                             f"background-image:url('{url}')\"></div>")  # offline: nothing, not a broken image
    parts.append(f'<svg width="{MAP_PX}" height="{MAP_PX}" role="img"><title>Incidents by state</title>')
    for p in points:
        x, y = _mercator(p["lat"], p["lon"], zoom)
        parts.append(f'<circle class="{STATE_CLASS[p["state"]]}" cx="{x - left:.1f}" cy="{y - top:.1f}" r="5" '
                     f'stroke="#fff" fill-opacity="0.85"><title>{escape(str(p["incident"]))}: '
                     f'{escape(p["state"])}</title></circle>')
    parts.append(f'<text x="4" y="{MAP_PX - 6}">{lat0:.4f}, {lon0:.4f}</text>'
                 f'<text x="{MAP_PX - 4}" y="14" text-anchor="end">{lat1:.4f}, {lon1:.4f}</text></svg></div>')
    parts.append('<p class="attr">Map tiles © OpenStreetMap contributors (shown when online; offline the points '
                 "and corner coordinates remain). Hover a point for its incident.</p>")
    return "".join(parts)


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def _timelines(pairs: list[dict[str, Any]]) -> str:
    """One SVG per incident where an officer falls short: the window (grey) against each officer's recordings
    (green: certain times, blue: times in doubt); the figures are in the officers table."""
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for pair in pairs:
        by_incident.setdefault(pair["number"], []).append(pair)
    short = {n: ps for n, ps in by_incident.items() if any(p["state"] != "covered" for p in ps)
             and all(p["window_utc"] for p in ps)}
    out = [(f'<h2>Timelines of incidents where an officer falls short (<span id="count-timelines">{len(short)}'
            "</span>)</h2>")]
    if not short:
        return out[0] + "<p>None.</p>"
    label_w, width, row_h = 150, 560, 16
    for ps in short.values():
        starts = [_epoch(p["window_utc"][0]) for p in ps]
        ends = [_epoch(p["window_utc"][1]) for p in ps]
        spans = [(_epoch(r["start_utc"]), _epoch(r["end_utc"]), r["certain"]) for p in ps for r in p["recordings"]]
        lo = min(starts + [s for s, _, _ in spans])
        hi = max(ends + [e for _, e, _ in spans])
        scale = width / max(hi - lo, 1.0)
        height = 22 + row_h * len(ps)
        parts = [(f'<svg class="timeline" width="{label_w + width + 10}" height="{height}" role="img">'
                  f"<title>{escape(ps[0]['incident'])}</title>"),
                 f'<text x="0" y="12">{escape(visible(ps[0]["incident"])[:40])}</text>',
                 f'<text x="{label_w}" y="12">{escape(_iso_min(lo))}</text>',
                 f'<text x="{label_w + width}" y="12" text-anchor="end">{escape(_iso_min(hi))}</text>']
        for k, p in enumerate(ps):
            y = 18 + row_h * k
            who = p["officer"] or f"unit {p['unit'] or '?'}"
            parts.append(f'<text x="0" y="{y + 11}">{escape(visible(who)[:24])}</text>')
            w0, w1 = _epoch(p["window_utc"][0]), _epoch(p["window_utc"][1])
            parts.append(f'<rect x="{label_w + (w0 - lo) * scale:.1f}" y="{y}" width="{(w1 - w0) * scale:.1f}" '
                         f'height="{row_h - 3}" fill="#ddd"><title>window {escape(_short(p["window_utc"][0]))} – '
                         f'{escape(_short(p["window_utc"][1]))}</title></rect>')
            for r in p["recordings"]:
                s0, s1 = _epoch(r["start_utc"]), _epoch(r["end_utc"])
                cls = "covered" if r["certain"] else "in-doubt"
                parts.append(f'<rect class="{cls}" x="{label_w + (s0 - lo) * scale:.1f}" y="{y + 3}" '
                             f'width="{max((s1 - s0) * scale, 1.0):.1f}" height="{row_h - 9}"><title>recording '
                             f'{r["footage_id"]}: {escape(_short(r["start_utc"]))} – {escape(_short(r["end_utc"]))}'
                             "</title></rect>")
        parts.append("</svg>")
        out.append("".join(parts))
    return "\n".join(out)


def _iso_min(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%MZ")


def to_html(report: dict[str, Any]) -> str:
    """One HTML page, no scripts: inline CSS and SVG; only the basemap tiles come from the network."""
    m = report["manifest"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>Footage coverage report</title>", f"<style>{CSS}</style></head><body>",
           "<h1>Footage coverage report</h1>",
           (f"<p>As of {escape(m['as_of'])}; policy {escape(m['policy']['source'])} "
            f"(sha256 <code>{escape(m['policy']['sha256'])}</code>).</p>")]
    out += [f'<p class="warn">{escape(visible(w))}</p>' for w in report["warnings"]]
    out.append('<h2>Summary</h2><table id="summary"><tbody>')
    for row in _summary_rows(report):
        ident = f' id="summary-{row["measure"]}"' if not row["measure"].startswith("excluded") else ""
        out.append(f'<tr><th>{escape(row["label"])}</th><td class="num"{ident}>{escape(_human(row, "value"))}'
                   "</td></tr>")
    out.append("</tbody></table>")
    out.append(_legend())
    out.append(f"<h2>Required incidents by {escape(report['by_group']['by'])}</h2>")
    out.append(_bar_chart(report["by_group"]["rows"], "required incidents by group and state", "chart-group"))
    out.append("<h2>Required incidents by month</h2>")
    out.append(_bar_chart(report["by_month"]["rows"], "required incidents by month and state", "chart-month"))
    out.append(f"<h2>Map ({len(report['points'])} incidents placed)</h2>")
    out.append(_map(report["points"]))
    out.append(_timelines(report["officers"]))
    for key, title, cols, rows in sections(report)[1:]:
        out.append(f'<h2>{escape(title)} (<span id="count-{key}">{len(rows)}</span>)</h2>')
        if not rows:
            out.append("<p>None.</p>")
            continue
        out.append(f'<table id="table-{key}"><thead><tr>')
        out += [f"<th>{escape(_label(c))}</th>" for c in cols]
        out.append("</tr></thead><tbody>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td>{escape(_human(row, c))}</td>" for c in cols) + "</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>\n")
    return "\n".join(out)


SAMPLE_COLUMNS = ["incident", "number", "type", "unit", "officer", "state", "coverage_pct", "footage"]


def sample_text(pairs: list[dict[str, Any]], fmt: str, seed: int) -> str:
    """A review sample as a terminal table, CSV (with a `reviewed` column to fill in) or JSON."""
    if fmt == "json":
        return json.dumps({"seed": seed, "pairs": pairs}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([*SAMPLE_COLUMNS, "reviewed"])
        for pair in pairs:
            writer.writerow([*(excel_safe(visible(_cell(pair.get(c)))) for c in SAMPLE_COLUMNS), ""])
        return out.getvalue()
    cells = [[cap(_human(pair, c)) for c in SAMPLE_COLUMNS] for pair in pairs]
    return render_table(f"Review sample (seed {seed})", [_label(c) for c in SAMPLE_COLUMNS], cells)


def render(report: dict[str, Any], fmt: str) -> str:
    """The report in one of FORMATS."""
    renderers = {"table": to_table, "csv": to_csv, "json": to_json, "md": to_markdown, "html": to_html}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return renderers[fmt](report)
