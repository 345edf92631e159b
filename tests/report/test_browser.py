"""The report in a real browser: headless Chromium loads it, draws its figures, sorts its
table, and a screenshot shows a page with the figures on it.

Needs Chromium (Debian: ``apt-get install -y chromium``); skipped without it. The
screenshot is left beside the report (``report/screenshot.png``) and, when
``REPORT_SCREENSHOT`` names a path, copied there.
"""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib import image

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                 "google-chrome", "chrome"))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="needs Chromium (apt-get install -y chromium)")
WIDTH, HEIGHT = 1280, 2400


def chromium(tmp_path, *args) -> subprocess.CompletedProcess:
    flags = ["--headless", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--no-first-run", "--mute-audio", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=10000", f"--window-size={WIDTH},{HEIGHT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")               # Chromium refuses root without it
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def test_page_renders_figures_and_sorts_in_chromium(built, tmp_path):
    url = (built.output / "index.html").resolve().as_uri() + "#sort=final-desc"
    run = chromium(tmp_path, "--dump-dom", url)
    dom = run.stdout
    assert "</html>" in dom, run.stderr[-2000:]
    figures = re.search(r'<body[^>]*data-figures="(\d+)/(\d+)"', dom)
    assert figures and figures.group(1) == figures.group(2) == "4"       # every figure decoded
    rows = re.search(r'<body[^>]*data-rows="(\d+)"', dom)
    assert rows and int(rows.group(1)) == built.students
    assert 'data-sorted="final descending"' in dom
    finals = [float(x) for x in re.findall(r'<td class="num" data-sort="([-\d.]+)"><b>', dom)]
    assert len(finals) == built.students and finals == sorted(finals, reverse=True)


def test_screenshot_shows_the_figures(built, tmp_path):
    shot = built.output / "screenshot.png"
    url = (built.output / "index.html").resolve().as_uri()
    run = chromium(tmp_path, f"--screenshot={shot}", url)
    assert shot.is_file(), run.stderr[-2000:]
    pixels = (image.imread(shot)[..., :3] * 255).round().astype(int)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    assert (pixels.sum(axis=2) < 720).mean() > 0.05                   # not a blank page

    def share(rgb):
        return (np.abs(pixels - np.array(rgb)).sum(axis=2) < 30).mean()

    assert share((31, 119, 180)) > 0.002       # the score histogram's blue bars
    assert share((44, 160, 44)) > 0.002        # the per-exercise chart's "full" green
    if os.environ.get("REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["REPORT_SCREENSHOT"])
