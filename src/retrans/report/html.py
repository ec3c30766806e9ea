"""Self-contained HTML review pages: original and repaired text side by side.

All text reaches the page as JSON in a data block and is put into the DOM with
`textContent` only, so markup in an article shows as text and never runs; a
Content-Security-Policy allows nothing but the page's own inline style and script
(pinned by hash), so the page loads nothing from the network either.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from retrans.report.review import Review

_ASSETS = resources.files("retrans.report") / "assets"
CSS = (_ASSETS / "review.css").read_text(encoding="utf-8")
JS = (_ASSETS / "review.js").read_text(encoding="utf-8")


def _sha256(s: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"


CSP = (
    f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(JS)}; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def _finding_json(f: Any) -> dict[str, Any]:
    return {
        "start": f.start,
        "end": f.end,
        "rule": f.rule,
        "name": f.name,
        "message": f.message,
        "severity": f.severity.value,
        "confidence": round(f.confidence, 2),
        "suggestions": list(f.suggestions),
    }


def page_data(name: str, review: Review) -> dict[str, Any]:
    changes = []
    for c in review.changes:
        lead = max(c.findings, key=lambda f: (f.priority, f.confidence), default=None)
        changes.append(
            {
                "id": c.id,
                "start": c.start,
                "end": c.end,
                "options": list(c.options),
                "applied": c.applied,
                "rule": lead.rule if lead else "diff",
                "name": lead.name if lead else "",
                "message": lead.message if lead else "changed by a later fix pass",
                "confidence": round(lead.confidence, 2) if lead else 1.0,
            }
        )
    return {
        "name": name,
        "text": review.original,
        "changes": changes,
        "notes": [_finding_json(f) for f in review.notes],
    }


def _json_block(data: Any) -> str:
    """JSON safe inside <script type=application/json>: no "<" can end the block."""
    raw = json.dumps(data, ensure_ascii=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(name: str, review: Review) -> str:
    title = html.escape(name)
    applied = sum(1 for c in review.changes if c.applied)
    suggested = len(review.changes) - applied
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>retrans review: {title}</title>
<style>{CSS}</style></head>
<body>
<header><h1>{title}</h1>
<span>{applied} applied, {suggested} suggested, {len(review.notes)} notes</span>
<span class="legend"><span class="l-del">removed</span><span class="l-ins">added</span>
<span class="l-sugg">suggested</span><span class="l-note">note</span></span>
<button id="prev">previous</button><button id="next">next</button>
<button id="download">download text</button>
<span class="keys">keys: j/k next/previous, a accept, r reject, 1-9 pick, d download</span>
</header>
<table class="sbs"><thead><tr><th class="num">#</th><th>Original</th><th>Repaired</th></tr></thead>
<tbody id="rows"></tbody></table>
<div id="panel"></div>
<script type="application/json" id="retrans-data">{_json_block(page_data(name, review))}</script>
<script>{JS}</script>
</body></html>
"""


@dataclass(frozen=True)
class PageSummary:
    name: str
    href: str
    severities: Counter[str]
    categories: Counter[str]
    applied: int
    error: str | None = None


def render_index(pages: list[PageSummary]) -> str:
    rows = []
    for p in pages:
        if p.error:
            rows.append(f"<tr><td>{html.escape(p.name)}</td><td colspan=5>{html.escape(p.error)}</td></tr>")
            continue
        cats = ", ".join(f"{html.escape(k)} {v}" for k, v in sorted(p.categories.items()))
        rows.append(
            f'<tr><td><a href="{html.escape(quote(p.href))}">{html.escape(p.name)}</a></td>'
            f"<td>{p.severities['error']}</td><td>{p.severities['warning']}</td><td>{p.severities['info']}</td>"
            f"<td>{p.applied}</td><td>{cats}</td></tr>"
        )
    css = (
        "body{font:15px system-ui,sans-serif;margin:16px}"
        "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src {_sha256(css)}; base-uri 'none'">
<title>retrans review</title><style>{css}</style></head><body>
<h1>retrans review: {len(pages)} file(s)</h1>
<table><thead><tr><th>file</th><th>errors</th><th>warnings</th><th>info</th>
<th>applied fixes</th><th>categories</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""


def page_name(path: Path, taken: set[str]) -> str:
    base = path.stem or "text"
    name, n = f"{base}.html", 1
    while name in taken or name == "index.html":
        n += 1
        name = f"{base}-{n}.html"
    taken.add(name)
    return name
