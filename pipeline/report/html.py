"""The report as one self-contained HTML page: inline CSS, charts as inline SVG, no outside requests.

Everything from a log or a feedback export (search terms, comments, titles) is untrusted text:
the page is rendered by Jinja2 with autoescape on and ``StrictUndefined``, and the SVG helpers
escape every label they write.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from pipeline.report.model import Report, ResourceStats
from pipeline.report.queue import MARKED_WRONG, NOT_HELPING, REVIEW_DUE, SEARCH_FOUND_NOTHING

BAR_HEIGHT = 22
LABEL_WIDTH = 260
CHART_WIDTH = 720
QUEUE_LABELS = {
    MARKED_WRONG: "Marked wrong or out of date",
    NOT_HELPING: "Not helping",
    SEARCH_FOUND_NOTHING: "Search found nothing",
    REVIEW_DUE: "Review due",
}


def _number(value: float) -> str:
    return f"{value:,.0f}"


def bar_chart(rows: list[tuple[str, float, str]], title: str) -> Markup:
    """Horizontal bars: (label, value, text shown after the bar), scaled to the largest value."""
    if not rows:
        return Markup("")
    top = max(value for _, value, _ in rows) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 250
    height = BAR_HEIGHT * len(rows) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, value, note) in enumerate(rows):
        y = index * BAR_HEIGHT + 2
        width = max(1.0, span * value / top) if value else 0.0
        short = label if len(label) <= 38 else label[:37] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" class="bar">'
            f"<title>{escape(label)}: {escape(note)}</title></rect>"
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}" class="note">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label and note in parts went through escape())


def day_chart(report: Report) -> Markup:
    """Page views per day as columns, distinct visitors as a line over them."""
    days = report.days
    if not days:
        return Markup("")
    width, height, left, bottom = CHART_WIDTH, 200, 40, 24
    top_value = max(max(d.views for d in days), 1)
    step = (width - left - 10) / len(days)
    plot = height - bottom - 10

    def y(value: float) -> float:
        return 10 + plot - plot * value / top_value

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="Page views and visitors per day" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left - 6}" y="{y(top_value) + 4:.1f}" text-anchor="end" class="note">{_number(top_value)}</text>',
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end" class="note">0</text>',
    ]
    points = []
    for index, day in enumerate(days):
        x = left + index * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{y(day.views):.1f}" width="{max(step * 0.8, 0.5):.1f}" '
            f'height="{y(0) - y(day.views):.1f}" class="bar"><title>{day.day.isoformat()}: '
            f"{day.views} views, {day.visitors} visitors</title></rect>"
        )
        points.append(f"{x + step / 2:.1f},{y(day.visitors):.1f}")
    parts.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    for index in sorted({0, len(days) - 1}):
        anchor = "start" if index == 0 else "end"
        x = left if index == 0 else left + len(days) * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="{anchor}" class="note">'
            f"{days[index].day.isoformat()}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (only numbers and ISO dates: nothing from the log is written as text)


def sparkline(report: Report, resource: ResourceStats) -> Markup:
    """A resource's views per day over the report's whole period, as a small inline line."""
    if not report.first_day or not report.last_day or not resource.days:
        return Markup("")
    span = (report.last_day - report.first_day).days + 1
    views = [0] * span
    for day in resource.days:
        views[(day.day - report.first_day).days] = day.views
    top = max(views) or 1
    width, height = 160, 24
    step = width / max(span - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (height - 4) * v / top:.1f}" for i, v in enumerate(views))
    return Markup(  # noqa: S704  (only numbers: coordinates and the largest count)
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="views per day, at most {top}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline points="{points}" class="line"/></svg>'
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def report_context(report: Report) -> dict[str, Any]:
    """The one context the template sees."""
    top = report.resources[:20]
    videos = [r for r in report.resources if r.video and r.video.viewers]
    return {
        "report": report,
        "percent": _percent,
        "sparkline": lambda resource: sparkline(report, resource),
        "number": _number,
        "day_chart": day_chart(report),
        "top_chart": bar_chart(
            [(r.title, r.views, f"{r.views:,} views, {r.visitors:,} visitors") for r in top], "Most viewed resources"
        ),
        "videos": videos,
        "journey_chart": bar_chart(
            [
                row
                for j in report.journeys
                if j.started
                for row in (
                    (f"{j.title}: started", j.started, f"{j.started:,}"),
                    (
                        f"{j.title}: intermediate",
                        j.reached_intermediate,
                        f"{j.reached_intermediate:,} ({_percent(j.reached_intermediate, j.started)})",
                    ),
                    (
                        f"{j.title}: advanced",
                        j.reached_advanced,
                        f"{j.reached_advanced:,} ({_percent(j.reached_advanced, j.started)})",
                    ),
                )
            ],
            "Journeys: visitors reaching each stage",
        ),
        "search_chart": bar_chart(
            [(s.term, s.searches, f"{s.searches:,} ({s.no_result:,} found nothing)") for s in report.searches[:20]],
            "Most searched",
        ),
        "rated": [r for r in report.resources if r.feedback],
        "answered": [r for r in report.resources if r.answers],
        "queue_labels": QUEUE_LABELS,
    }


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Evidence report{% if report.first_day %}: {{ report.first_day }} to {{ report.last_day }}{% endif %}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart { max-width: 100%; height: auto; font-size: 12px; }
.chart .bar { fill: #2f6fb0; } .chart .line { fill: none; stroke: #d9822b; stroke-width: 2; }
.spark .line { fill: none; stroke: #2f6fb0; stroke-width: 1.5; }
.chart .note { fill: #555; }
.muted { color: #666; } .warn { color: #a33; }
.key span { display: inline-block; width: .8em; height: .8em; margin: 0 .3em 0 1em; }
blockquote { margin: .3rem 0; padding: .2rem .8rem; border-left: 3px solid #ccc; }
</style>
</head>
<body>
<h1>What is used, watched through and found helpful</h1>
<p class="muted">
{% if report.first_day %}From {{ report.first_day }} to {{ report.last_day }}{% else %}{# -#}
No dated requests{% endif %}{% if report.since %} (since {{ report.since }}){% endif %}.
{{ number(report.lines) }} log lines in {{ report.files | length }} {# -#}
file{{ "s" if report.files | length != 1 }}; generated {{ report.generated }}.
</p>
<table>
<tr><th>Page views</th><td class="n">{{ number(report.page_views) }}</td>
<th>Distinct visitors</th><td class="n">{{ number(report.visitors) }}</td></tr>
<tr><th>Resources viewed</th><td class="n">{{ report.resources | length }}</td>
<th>Searches</th><td class="n">{{ number(report.searches | sum(attribute="searches")) }}</td></tr>
</table>

<h2>Work queue</h2>
<p class="muted">Most urgent first: what workers marked wrong or out of date, what does not help,
searches that found nothing, resources past their review date.</p>
{% if report.queue %}
<table>
<tr><th class="n">#</th><th>What</th><th>Resource or search</th><th>Why</th></tr>
{% for item in report.queue %}<tr><td class="n">{{ loop.index }}</td><td>{{ queue_labels[item.kind] }}</td>{# -#}
<td>{% if item.resource %}{{ item.title }} <span class="muted">({{ item.resource }})</span>{% else %}{# -#}
“{{ item.title }}”{% endif %}</td><td>{{ item.reason }}</td></tr>
{% endfor %}</table>
{% else %}<p>Nothing to do: no resource was marked wrong, none is below the thresholds, every search found
something and no review date has passed.</p>{% endif %}

<h2>Views by day</h2>
{% if report.days %}
<p class="key muted"><span style="background:#2f6fb0"></span>{# -#}
page views<span style="background:#d9822b"></span>distinct visitors</p>
{{ day_chart }}
<details><summary>By week</summary>
<table>
<tr><th>Week</th><th class="n">Views</th><th class="n">Visitors</th></tr>
{% for week in report.weeks %}<tr><td>{{ week.week }}</td><td class="n">{{ number(week.views) }}</td>{# -#}
<td class="n">{{ number(week.visitors) }}</td></tr>
{% endfor %}</table>
</details>
{% else %}<p>No resource or journey page was viewed in these logs.</p>{% endif %}

<h2>Most viewed resources</h2>
{% if report.resources %}{{ top_chart }}
<table>
<tr><th>Resource</th><th class="n">Views</th><th class="n">Visitors</th><th>Views per day</th>{# -#}
<th class="n">Rating</th></tr>
{% for r in report.resources %}<tr><td>{{ r.title }}</td><td class="n">{{ number(r.views) }}</td>{# -#}
<td class="n">{{ number(r.visitors) }}</td>
<td>{{ sparkline(r) }}</td><td class="n">{% if r.feedback and r.feedback.mean_rating is not none %}{# -#}
{{ r.feedback.mean_rating }}{% else %}–{% endif %}</td></tr>
{% endfor %}</table>
{% else %}<p>None.</p>{% endif %}

<h2>Watched through</h2>
<p class="muted">Share of each video's viewers whose browser fetched more than a quarter, half, three quarters of it,
or at least 95&nbsp;%. Browsers fetch ahead of what is played, so these are upper bounds.</p>
{% if videos %}
<table>
<tr><th>Resource</th><th class="n">Viewers</th><th class="n">Median fetched</th>{# -#}
<th class="n">&gt; 25 %</th><th class="n">&gt; 50 %</th><th class="n">&gt; 75 %</th><th class="n">≥ 95 %</th></tr>
{% for r in videos %}<tr{% if r.video.past_quarter == 0 %} class="warn"{% endif %}><td>{{ r.title }}</td>
<td class="n">{{ number(r.video.viewers) }}</td>{# -#}
<td class="n">{{ "%.0f" | format(100 * r.video.median_fetched) }} %</td>
<td class="n">{{ percent(r.video.past_quarter, r.video.viewers) }}</td>{# -#}
<td class="n">{{ percent(r.video.past_half, r.video.viewers) }}</td>
<td class="n">{{ percent(r.video.past_three_quarters, r.video.viewers) }}</td>{# -#}
<td class="n">{{ percent(r.video.finished, r.video.viewers) }}</td></tr>
{% endfor %}</table>
{% if report.unwatched %}{# -#}
<p class="warn">Nobody watched past the first quarter of: {{
report.unwatched | map(attribute="title") | join(", ") }}.</p>{% endif %}
{% else %}<p>No video was fetched in these logs.</p>{% endif %}

<h2>Journeys</h2>
{% if report.journeys %}
{{ journey_chart }}
<table>
<tr><th>Journey</th><th class="n">Started</th><th class="n">Reached intermediate</th>{# -#}
<th class="n">Reached advanced</th><th class="n">Dropped out before intermediate</th></tr>
{% for j in report.journeys %}<tr><td>{{ j.title }}</td><td class="n">{{ number(j.started) }}</td>
<td class="n">{{ number(j.reached_intermediate) }}</td><td class="n">{{ number(j.reached_advanced) }}</td>
<td class="n">{{ percent(j.started - j.reached_intermediate, j.started) }}</td></tr>
{% endfor %}</table>
{% else %}<p>No journeys in this workspace.</p>{% endif %}

<h2>Searches with no answer</h2>
<p class="muted">What people looked for and did not find: the next clips to film.</p>
{% if report.no_answer %}
<table>
<tr><th>Search</th><th class="n">Found nothing</th><th class="n">Searched</th><th class="n">Visitors</th></tr>
{% for s in report.no_answer %}<tr><td>{{ s.term }}</td><td class="n">{{ number(s.no_result) }}</td>{# -#}
<td class="n">{{ number(s.searches) }}</td><td class="n">{{ number(s.visitors) }}</td></tr>
{% endfor %}</table>
{% else %}<p>Every search found something.</p>{% endif %}
{% if report.candidate_questions %}<h3>Candidate questions</h3>
<p class="muted">The same searches merged: <code>capture questions import-searches</code> adopts them.</p>
<ul>{% for c in report.candidate_questions %}
<li>{{ c.text }}: {{ number(c.count) }} ({{ c.terms | join(", ") }})</li>{% endfor %}</ul>
{% endif %}
{% if report.searches %}<h3>Most searched</h3>{{ search_chart }}{% endif %}

<h2>Feedback</h2>
{% if report.feedback_file %}
<p class="muted">{{ number(report.feedback_rows) }} responses in {{ report.feedback_file }}{# -#}
{% if report.feedback_unmatched %}; {{ number(report.feedback_unmatched) }} {# -#}
did not name a known resource{% endif %}.</p>
{% for r in rated %}<h3>{{ r.title }}</h3>
<p>{{ r.feedback.responses }} response{{ "s" if r.feedback.responses != 1 }}{# -#}
{% if r.feedback.mean_rating is not none %}, mean rating {{ r.feedback.mean_rating }} {# -#}
from {{ r.feedback.ratings }}{% endif %}.</p>
{% for c in r.feedback.comments %}<blockquote>{{ c.text }}{% if c.rating is not none %} {# -#}
<span class="muted">({{ "%g" | format(c.rating) }})</span>{% endif %}</blockquote>
{% endfor %}{% endfor %}
{% else %}<p>No feedback export given (<code>--feedback FILE.csv</code>).</p>{% endif %}

<h2>Did this help?</h2>
<p class="muted">Answers from the resource pages (one per device and version).</p>
{% if answered %}
<table>
<tr><th>Resource</th><th class="n">Version</th><th class="n">Helped</th><th class="n">Not what they needed</th>{# -#}
<th class="n">Wrong or out of date</th><th class="n">Views</th><th class="n">Median fetched</th></tr>
{% for r in answered %}{% for v in r.answers.versions %}<tr><td>{{ r.title }}</td>{# -#}
<td class="n">{{ v.version }}</td>{# -#}
<td class="n">{{ number(v.helped) }}</td><td class="n">{{ number(v.not_needed) }}</td>{# -#}
<td class="n">{{ number(v.wrong) }}</td><td class="n">{{ number(r.views) }}</td>{# -#}
<td class="n">{% if r.video and r.video.viewers %}{{ "%.0f" | format(100 * r.video.median_fetched) }} %{# -#}
{% else %}–{% endif %}</td></tr>
{% endfor %}{% endfor %}</table>
{% else %}<p>No answers in these logs.</p>{% endif %}
{% if report.unknown_answers %}<p class="muted">Answers naming a resource not in the catalogue: {# -#}
{% for rid, count in report.unknown_answers.items() %}{{ rid }} ({{ count }}){# -#}
{{ ", " if not loop.last }}{% endfor %}.</p>{# -#}
{% endif %}
{% if report.answer_junk %}<p class="muted">{{ number(report.answer_junk) }} requests for feedback.gif {# -#}
carried no valid answer and were not counted.</p>{% endif %}

<h2>About these figures</h2>
<table>
<tr><th>File</th><th class="n">Lines</th><th class="n">Not log lines (skipped)</th><th>Problem</th></tr>
{% for f in report.files %}<tr><td>{{ f.path }}</td><td class="n">{{ number(f.lines) }}</td>{# -#}
<td class="n">{{ number(f.malformed) }}</td><td>{{ f.problem }}</td></tr>
{% endfor %}</table>
<p class="muted">Left out: {{ number(report.bot_requests) }} {# -#}
requests from crawlers{% if report.since %}, {{ number(report.before_since) }} {# -#}
lines before {{ report.since }}{% endif %}.
Visitors are counted by a keyed hash of address and browser ({{
"a key set in resources.yaml" if report.salt_source == "setting" else "a random key for this report only"
}}); no address is kept.</p>
{% if report.unknown_pages %}{# -#}
<p class="muted">Pages not in the catalogue: {% for name, count in report.unknown_pages.items() %}{# -#}
{{ name }} ({{ count }}){{ ", " if not loop.last }}{% endfor %}.</p>{% endif %}
{% for w in report.warnings %}<p class="warn">{{ w }}</p>{% endfor %}
</body>
</html>
"""


def render_report_html(report: Report) -> str:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(TEMPLATE).render(**report_context(report))
