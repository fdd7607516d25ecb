"""``report.html``: one page with the tables, the plots and the list of episodes.

Each episode's transcript is its own small page under ``transcripts/`` (linked from the list),
so the report stays fast for tens of thousands of episodes and still opens from disk.

Everything in a page is inline (CSS, a little vanilla JS, plots as base64 PNG); the report
folder (report.html plus transcripts/) can be archived alone. Every piece of text that comes
from a record (model output above all) goes through :func:`html.escape`: a transcript
containing ``<script>`` shows as text. As a second line of defence the report carries a
Content-Security-Policy that allows only its own script (by hash), inline styles and ``data:``
images; the transcript pages allow no script at all.

The filter (model and task, from ``<select>`` menus or the URL fragment
``#model=...&task=...``) hides table rows and episodes that do not match. When its script has
run it sets ``data-filter-ready`` on ``<html>`` and writes the number of episodes shown.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}
.filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}
.plots img{max-width:100%;border:1px solid #eee;margin:.5em 0}
details.episode{border:1px solid #ddd;margin:.3em 0;padding:.3em .6em;border-radius:4px}
details.episode summary{cursor:pointer;font-family:monospace;font-size:.9em}
.msg{margin:.4em 0;padding:.3em .6em;border-left:4px solid #bbb;background:#fafafa}
.msg pre{white-space:pre-wrap;word-wrap:break-word;margin:.2em 0;font-size:.85em}
.role-system{border-color:#888}.role-user{border-color:#3a7}.role-assistant{border-color:#37c}
.role-tool{border-color:#c93}.meta{color:#666;font-size:.8em}.err{color:#b00}
.messages li{margin:.2em 0}.scroll{overflow-x:auto}
"""

_JS = """
(function(){
  var doc=document, model=doc.getElementById('f-model'), task=doc.getElementById('f-task');
  function fromHash(){
    var q=new URLSearchParams(location.hash.replace(/^#/,''));
    if(q.has('model')) model.value=q.get('model');
    if(q.has('task')) task.value=q.get('task');
  }
  function apply(){
    var m=model.value, t=task.value, shown=0;
    doc.querySelectorAll('[data-model],[data-task]').forEach(function(el){
      var ok=(!m||!el.hasAttribute('data-model')||el.getAttribute('data-model')===m)&&
             (!t||!el.hasAttribute('data-task')||el.getAttribute('data-task')===t);
      el.hidden=!ok;
      if(ok&&el.classList.contains('episode')) shown++;
    });
    doc.getElementById('shown').textContent=String(shown);
    doc.documentElement.setAttribute('data-filter-ready','1');
  }
  model.addEventListener('change',apply); task.addEventListener('change',apply);
  fromHash(); apply();
})();
"""


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def render_html(
    summary: dict[str, Any],
    records: Sequence[dict[str, Any]],
    plots: Sequence[Path],
    *,
    tables: Sequence[tuple[str, list[dict[str, Any]]]],
    messages: Sequence[dict[str, Any] | str],
) -> str:
    """The whole page (see the module docstring)."""
    script_hash = base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'"
    )
    scenario = summary.get("scenario", {})
    models = sorted({str(r.get("model")) for r in records})
    tasks = sorted({str(r.get("task")) for r in records if r.get("task")})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>telic report: {e(scenario.get('name'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>telic report: {e(scenario.get('name'))}</h1>",
        f"<p>{e(scenario.get('description'))}</p>",
        _overview(summary),
        _filters(models, tasks, len(records)),
    ]
    notice = (summary.get("personalization") or {}).get("notice")
    if notice:
        parts.insert(-2, f"<p><strong>{e(notice)}</strong></p>")
    for line in split_lines(summary):
        parts.insert(-2, f"<p>{e(line)}</p>")
    for title, rows in tables:
        parts.append(f"<h2>{e(title)}</h2>{table_html(rows)}")
    if plots:
        parts.append('<h2>Plots</h2><div class="plots">')
        for path in plots:
            data = base64.b64encode(Path(path).read_bytes()).decode()
            parts.append(
                f'<figure><img alt="{e(path.stem)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{e(path.stem)}</figcaption></figure>"
            )
        parts.append("</div>")
    if messages:
        items = "".join(_message_item(m) for m in messages)
        parts.append(
            f"<h2>Messages ({len(messages)})</h2><details{' open' * (len(messages) <= 5)}>"
            f'<summary>why some numbers are missing or uncertain</summary><ul class="messages">'
            f"{items}</ul></details>"
        )
    parts.append(f"<h2>Episodes ({len(records)})</h2>")
    parts.append(_episode_table(records))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


TRANSCRIPTS_DIR = "transcripts"
"""Folder (next to report.html) of the per-episode transcript pages."""
_EPISODE_COLUMNS = ("episode", "model", "task", "n", "seed", "protocol", "variant", "condition",
                    "stop", "steps", "return")  # fmt: skip


def transcript_file(episode_id: Any) -> str:
    """The transcript page of an episode, relative to the report folder."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(episode_id))
    return f"{TRANSCRIPTS_DIR}/{safe}.html"


def _episode_table(records: Sequence[dict[str, Any]]) -> str:
    """One row per episode (columns with a single value left out), each linking to its
    transcript page; rows take part in the filter."""
    rows = [
        (
            r,
            [
                r.get("episode_id"), r.get("model"), r.get("task"), r.get("n_blocks"),
                r.get("seed"), r.get("protocol"), r.get("variant"), r.get("condition"),
                r.get("stop_reason"), r.get("steps"),
                None if r.get("return") is None else round(float(r["return"]), 3),
            ],
        )
        for r in records
    ]  # fmt: skip
    always = {"episode", "stop", "steps", "return"}
    keep = [
        i
        for i, name in enumerate(_EPISODE_COLUMNS)
        if name in always or len({str(cells[i]) for _, cells in rows}) > 1
    ]
    head = "".join(f"<th>{e(_EPISODE_COLUMNS[i])}</th>" for i in keep)
    body = []
    for record, cells in rows:
        attrs = f' class="episode" data-model="{e(record.get("model"))}"'
        if record.get("task"):
            attrs += f' data-task="{e(record.get("task"))}"'
        tds = []
        for i in keep:
            if i == 0:
                link = transcript_file(record.get("episode_id"))
                tds.append(f'<td><a href="{e(link)}">{e(cells[0])}</a></td>')
            else:
                tds.append(_cell(cells[i]))
        body.append(f"<tr{attrs}>{''.join(tds)}</tr>")
    return (
        '<p class="meta">Each id opens the episode\'s transcript.</p>'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def render_transcript_page(record: dict[str, Any], scenario_name: str) -> str:
    """A standalone page with one episode's transcript (no script at all)."""
    csp = "default-src 'none'; style-src 'unsafe-inline'"
    title = f"{record.get('episode_id')} · {scenario_name}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>"
        f'<p><a href="../report.html">back to the report</a></p>'
        f"{_episode(record, opened=True)}</body></html>"
    )


def _message_item(message: dict[str, Any] | str) -> str:
    """A message as a list item; one naming a model or task takes part in the filter."""
    if isinstance(message, str):
        return f"<li>{e(message)}</li>"
    attrs = "".join(f' data-{k}="{e(message[k])}"' for k in ("model", "task") if message.get(k))
    return f"<li{attrs}>{e(message.get('text'))}</li>"


def _overview(summary: dict[str, Any]) -> str:
    counts = summary.get("episodes", {})
    items = [
        ("scenario hash", summary.get("scenario", {}).get("hash")),
        ("episodes", counts.get("recorded")),
        ("completed", counts.get("completed")),
        ("errors", counts.get("errors")),
        ("telic", summary.get("telic_version")),
    ]
    cells = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in items)
    return f"<table>{cells}</table>"


def _filters(models: list[str], tasks: list[str], total: int) -> str:
    def select(ident: str, label: str, values: list[str]) -> str:
        options = "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)
        return (
            f'<label>{label} <select id="{ident}"><option value="">all</option>'
            f"{options}</select></label> "
        )

    return (
        '<div class="filters">'
        + select("f-model", "model", models)
        + select("f-task", "task", tasks)
        + f' <span id="shown">{total}</span> of {total} episodes shown</div>'
    )


def table_html(rows: list[dict[str, Any]]) -> str:
    """A table of row dicts; rows with ``model``/``task`` keys take part in the filter."""
    if not rows:
        return "<p>(none)</p>"
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        attrs = "".join(
            f' data-{key}="{e(_filter_value(key, row[key]))}"'
            for key in ("model", "task")
            if row.get(key)
        )
        cells = "".join(_cell(row.get(c)) for c in columns)
        body.append(f"<tr{attrs}>{cells}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _filter_value(key: str, value: Any) -> str:
    """The model a row belongs to for the filter: rows filed per protocol or condition
    (``"<model> [tools]"``) follow their model."""
    text = str(value)
    if key == "model" and text.endswith("]") and " [" in text:
        return text[: text.rindex(" [")]
    return text


def fmt(value: Any) -> str:
    """A table cell as text: 3 significant digits for floats (0 for rounding noise), thousands
    without decimals, empty for None, JSON for lists and dicts."""
    if value is None:
        return ""
    if isinstance(value, float):
        if abs(value) < 1e-9:
            return "0"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _cell(value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    attrs = ' class="num"' if numeric else ""
    return f"<td{attrs}>{e(fmt(value))}</td>"


def _episode(record: dict[str, Any], *, opened: bool = False) -> str:
    info = record.get("info") or {}
    ret = record.get("return")
    head = (
        f"{e(record.get('episode_id'))} · {e(record.get('model'))} · {e(record.get('task'))}"
        f" · n={e(record.get('n_blocks'))} · seed {e(record.get('seed'))}"
        f" · {e(record.get('protocol'))} · {e(record.get('variant'))}"
        + (f" · {e(record.get('condition'))}" if record.get("condition") else "")
        + f" · {e(record.get('stop_reason'))}"
        f" · return {e(ret if ret is None else round(float(ret), 3))}"
    )
    meta = (
        f'<p class="meta">env {e(record.get("env_id"))} {e(json.dumps(record.get("env_kwargs")))}'
        f" · steps {e(record.get('steps'))} · regret {e(info.get('regret'))}"
        f" · group {e(record.get('group'))}</p>"
    )
    errors = "".join(
        f'<p class="err">error ({e(err.get("kind"))}): {e(err.get("message"))}</p>'
        for err in record.get("errors") or []
    )
    messages = "".join(_message(m) for m in record.get("transcript") or [])
    attrs = f'data-model="{e(record.get("model"))}"'
    if record.get("task"):
        attrs += f' data-task="{e(record.get("task"))}"'
    return (
        f'<details class="episode" {attrs} id="ep-{e(record.get("episode_id"))}"'
        f"{' open' * opened}>"
        f"<summary>{head}</summary>{meta}{errors}{messages}</details>"
    )


def _message(message: dict[str, Any]) -> str:
    role = str(message.get("role", ""))
    parts = [f'<div class="msg role-{e(role)}"><span class="meta">step {e(message.get("step"))}']
    parts.append(f" · {e(role)}</span>")
    if message.get("reasoning"):
        parts.append(f'<pre class="meta">{e(message["reasoning"])}</pre>')
    parts.append(f"<pre>{e(message.get('content'))}</pre>")
    for call in message.get("tool_calls") or []:
        parts.append(f'<pre class="meta">tool call {e(json.dumps(call, ensure_ascii=False))}</pre>')
    parts.append("</div>")
    return "".join(parts)


def split_lines(summary: dict[str, Any]) -> list[str]:
    """One sentence per dataset split the run used (``report.md`` and ``telic report``)."""
    lines = []
    for split in (summary.get("scenario") or {}).get("splits") or []:
        given = split.get("sizes") or {}
        order = [k for k in ("train", "val", "test") if k in given]
        sizes = ", ".join(f"{k} {given[k]}" for k in [*order, *sorted(set(given) - set(order))])
        lines.append(
            f"Split: {split.get('name')}, seed {split.get('seed')}, {split.get('n_train')} "
            f"demonstrations per user ({sizes}) of {split.get('corpus')} "
            f"(digest {split.get('digest')}; membership in manifest.json): {split.get('note')}."
        )
    return lines
