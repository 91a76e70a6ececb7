"""Review page on a busy night: page size, first paint and next-movement time in Chromium.

Run: ``python -m benchmarks.review_page [--hours 8] [--fs 500] [--out DIR]``.

A busy synthetic night (default 8 h at 500 Hz, ~1,500 combined LMs: bursts every
12-26 s, a fifth of them on both legs, over 2 µV resting noise; the night simulator of
:mod:`plm.simulate.nights` plants at most ~70 LMs per hour) is written as EDF, scored
(``plm score``) and given a review page (``plm review``).  The page is opened in
headless Chromium (the distribution's ``chromium`` and ``chromedriver``, driven by
selenium) and measured:

* ``page_mb``: size of the HTML file;
* ``first_paint_ms``: navigation start to the end of the page script's first drawing
  (``window.plmReview.firstPaintMs``), and to the first paint the browser reports;
* ``next_ms``: one ``→`` key press (a ``keydown`` event) to the end of the drawing, and
  to the next animation frame, over 200 presses (median, 95th percentile, max).

No assertion: the numbers are printed and written to ``DIR/review_page.json``; the
targets are first paint <= 2 s, next movement <= 100 ms, page <= 15 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

_NEXT_JS = """
const done = arguments[arguments.length - 1];
const n = arguments[0], sync = [], frame = [];
let k = 0;
function one() {
  if (k >= n) { done({sync: sync, frame: frame}); return; }
  const t0 = performance.now();
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  sync.push(performance.now() - t0);
  requestAnimationFrame(() => { frame.push(performance.now() - t0); k++; setTimeout(one, 0); });
}
one();
"""


def _stats(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {
        "median": round(statistics.median(v), 2),
        "p95": round(v[int(0.95 * (len(v) - 1))], 2),
        "max": round(v[-1], 2),
    }


def busy_night(path: Path, hours: float, fs: float, seed: int = 3) -> int:
    """Write a busy two-leg EMG night (EDF+, stages N2 with W and R stretches)."""
    import numpy as np
    import pandas as pd

    from plm.io.edf import SignalSpec, write_edf
    from tests._review_night import START

    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    legs = {side: rng.normal(0.0, 2.0, n).astype(np.float32) for side in ("left", "right")}
    t, count = 30.0, 0
    while t < hours * 3600 - 30:
        dur = rng.uniform(0.8, 3.0)
        sides = ["left", "right"] if rng.random() < 0.2 else [rng.choice(["left", "right"])]
        for k, side in enumerate(sides):
            a = int((t + 0.3 * k) * fs)
            b = a + int(dur * fs)
            amp = rng.uniform(30.0, 150.0)
            legs[side][a:b] += rng.normal(0.0, amp, b - a).astype(np.float32)
        count += 1
        t += rng.uniform(12.0, 26.0)
    n_ep = int(hours * 120)
    stages = np.where(np.arange(n_ep) % 180 < 150, "N2", "R").astype(object)
    stages[:20] = "W"
    ann = pd.DataFrame(
        {"onset": np.arange(n_ep) * 30.0, "duration": 30.0,
         "description": [f"Sleep stage {s}" for s in stages]}
    )  # fmt: skip
    specs = [
        SignalSpec(label, legs[side], fs, physical_min=-2000.0, physical_max=2000.0)
        for label, side in (("Leg L", "left"), ("Leg R", "right"))
    ]
    write_edf(path, specs, START, annotations=ann)
    return count


def run(hours: float, fs: float, out: Path) -> dict:
    """Build, score, review and measure one night; return the numbers."""
    from pipelines.cli import main
    from tests._review_night import chromium

    out.mkdir(parents=True, exist_ok=True)
    rec = out / "busy.edf"
    t = time.perf_counter()
    busy_night(rec, hours, fs)
    t_sim = time.perf_counter() - t
    t = time.perf_counter()
    if main(["score", str(rec), "--out", str(out / "res")]) != 0:
        raise RuntimeError("scoring failed")
    t_score = time.perf_counter() - t
    t = time.perf_counter()
    page = out / "busy_review.html"
    if main(["review", str(out / "res"), "--recording", str(rec), "--out", str(page)]) != 0:
        raise RuntimeError("review page failed")
    t_page = time.perf_counter() - t
    summary = json.loads((out / "res" / "busy_summary.json").read_text())

    driver = chromium(width=1400, height=900)
    try:
        loads = []
        for _ in range(3):
            driver.get(page.as_uri())
            deadline = time.monotonic() + 60
            while not driver.execute_script("return !!window.plmReview"):
                if time.monotonic() > deadline:
                    raise RuntimeError("page script did not start within 60 s")
                time.sleep(0.05)
            loads.append(
                driver.execute_script(
                    "const p = performance.getEntriesByType('paint')"
                    ".find(e => e.name === 'first-contentful-paint');"
                    "return [window.plmReview.firstPaintMs, p ? p.startTime : null];"
                )
            )
        n_items = driver.execute_script("return window.plmReview.state().n")
        nxt = driver.execute_async_script(_NEXT_JS, min(200, n_items - 1))
    finally:
        driver.quit()
    return {
        "night": {
            "hours": hours,
            "fs_hz": fs,
            "n_lm": summary["n_lm"],
            "n_movements": n_items,
            "n_plm": summary["n_plm"],
        },  # fmt: skip
        "page_mb": round(page.stat().st_size / 1e6, 2),
        "first_paint_ms": {
            "script_done": [round(a, 1) for a, _ in loads],
            "first_contentful_paint": [round(b, 1) if b else None for _, b in loads],
        },
        "next_ms": {"handler": _stats(nxt["sync"]), "to_next_frame": _stats(nxt["frame"])},
        "build_s": {
            "simulate_and_write": round(t_sim, 1),
            "score": round(t_score, 1),
            "review_page": round(t_page, 1),
        },  # fmt: skip
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--fs", type=float, default=500.0)
    p.add_argument("--out", default=None, help="work folder (default: a temporary one)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="plm-review-bench-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        numbers = run(args.hours, args.fs, out)
        (out / "review_page.json").write_text(json.dumps(numbers, indent=2) + "\n")
    print(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
