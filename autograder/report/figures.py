"""The report's figures: matplotlib, drawn off-screen, embedded as PNG data URIs.

No pyplot (no global state, no GUI backend): each figure is a ``Figure`` on its own
Agg canvas. Labels come from the assignment (exercise ids), never from submissions.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
DPI = 96


@dataclass(frozen=True)
class Picture:
    id: str
    title: str
    alt: str
    uri: str           # data:image/png;base64,...


def _label(text: str) -> str:
    """Text matplotlib shows as it is (a '$' would start mathtext)."""
    return str(text).replace("$", r"\$")


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def score_distribution(final: list[float], raw: list[float], max_score: float) -> Picture:
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.add_subplot()
    top = max(max_score, max(final + raw, default=0), 1e-9)
    bins = np.linspace(0, top, min(41, max(6, int(top) + 1)))
    ax.hist(raw, bins=bins, color=GREY, alpha=0.35, label="raw (before late penalty)")
    ax.hist(final, bins=bins, color=BLUE, label="final")
    if final:
        mean, median = float(np.mean(final)), float(np.median(final))
        ax.axvline(mean, color=ORANGE, lw=1.5, label=f"mean {mean:.1f}")
        ax.axvline(median, color=GREEN, lw=1.5, ls="--", label=f"median {median:.1f}")
    ax.set_xlabel(f"points (of {max_score:g})")
    ax.set_ylabel("students")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return Picture("fig-scores", "Score distribution",
                   f"Histogram of final scores of {len(final)} students out of {max_score:g}",
                   _png(fig))


BANDS = (("none", GREY), ("under half", RED), ("half or more", ORANGE), ("full", GREEN))


def exercise_distributions(fractions: dict[str, list[float]], labels: dict[str, str]) -> Picture:
    """Per exercise, the share of students with no, under half, half or more, full points."""
    ids = list(fractions)
    shares = np.zeros((len(ids), 4))
    for i, e in enumerate(ids):
        f = np.asarray(fractions[e], dtype=float)
        if f.size:
            full = f >= 1 - 1e-9
            none = f <= 1e-9
            half = (f >= 0.5) & ~full
            shares[i] = [none.mean(), (~none & ~half & ~full).mean(), half.mean(), full.mean()]
    fig = Figure(figsize=(7.5, 0.32 * len(ids) + 1.1))
    ax = fig.add_subplot()
    left = np.zeros(len(ids))
    y = np.arange(len(ids))[::-1]
    for k, (name, color) in enumerate(BANDS):
        ax.barh(y, shares[:, k], left=left, color=color, label=name, height=0.75)
        left += shares[:, k]
    means = [float(np.mean(fractions[e])) if fractions[e] else 0.0 for e in ids]
    names = [_label(f"{e} {labels.get(e, '')[:28]}  (mean {m:.0%})") for e, m in zip(ids, means)]
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of students")
    ax.legend(ncols=4, frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return Picture("fig-exercises", "Per-exercise distributions",
                   f"Stacked bars: per exercise ({len(ids)}), the share of students with no, "
                   "under half, half or more, and full points", _png(fig))


def pass_rates(checks) -> Picture:
    """Every check's pass rate, in assignment order; hidden checks darker."""
    fig = Figure(figsize=(7.5, 2.8))
    ax = fig.add_subplot()
    x = np.arange(len(checks))
    rates = [s.pass_rate for s in checks]
    colors = [("#0b3c5d" if s.hidden else BLUE) if s.kind != "rubric" else ORANGE for s in checks]
    ax.bar(x, rates, color=colors, width=0.85)
    starts = {}
    for i, s in enumerate(checks):
        starts.setdefault(s.exercise, i)
    ax.set_xticks(list(starts.values()), [_label(e) for e in starts], rotation=90, fontsize=7)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel("pass rate")
    ax.set_xlim(-0.6, max(len(checks), 1) - 0.4)
    ax.spines[["top", "right"]].set_visible(False)
    return Picture("fig-checks", "Pass rate of every check",
                   f"Bar chart of the pass rate of each of {len(checks)} checks, "
                   "grouped by exercise", _png(fig))


def grading_time(seconds: list[float]) -> Picture:
    fig = Figure(figsize=(7.5, 2.6))
    ax = fig.add_subplot()
    if seconds:
        ax.hist(seconds, bins=min(40, max(5, len(seconds) // 5)), color=BLUE)
        ax.axvline(float(np.median(seconds)), color=ORANGE, lw=1.5,
                   label=f"median {np.median(seconds):.1f} s")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel("seconds to grade one submission")
    ax.set_ylabel("submissions")
    ax.spines[["top", "right"]].set_visible(False)
    return Picture("fig-time", "Grading time per submission",
                   f"Histogram of grading time of {len(seconds)} submissions", _png(fig))
