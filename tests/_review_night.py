"""A small hand-made night for the review tests, and a headless Chromium driver.

Leg EMG at 200 Hz, 1200 s, every epoch N2.  Movements (1-s bursts of ~60 µV RMS over
~2 µV of resting noise):

* left 100, 120, 140, 160 s: a 4-PLM series (series 1);
* left 400 s: isolated;
* right 600, 625, 650, 675, 700 s: a 5-PLM series (series 2);
* right 900 s: isolated.

Before review: 11 LMs, 11 CLMs, 9 PLMs in 2 series, PLMS index 27/h (TST 1/3 h).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

FS = 200
DURATION_S = 1200
LEFT = (100.0, 120.0, 140.0, 160.0, 400.0)
RIGHT = (600.0, 625.0, 650.0, 675.0, 700.0, 900.0)
START = datetime(2026, 3, 1, 23, 0, 0)
CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def _leg(rng: np.random.Generator, onsets: tuple[float, ...]) -> np.ndarray:
    n = DURATION_S * FS
    x = rng.normal(0.0, 2.0, n)
    for t in onsets:
        a, b = int(t * FS), int((t + 1.0) * FS)
        x[a:b] += rng.normal(0.0, 60.0, b - a)
    return x


def write_night(path: Path) -> Path:
    """Write the night as EDF+C (two leg channels, stage annotations)."""
    from plm.io.edf import SignalSpec, write_edf

    rng = np.random.default_rng(7)
    legs = [
        SignalSpec(label, _leg(rng, onsets), FS, physical_min=-1000.0, physical_max=1000.0)
        for label, onsets in (("Leg L", LEFT), ("Leg R", RIGHT))
    ]
    n_ep = DURATION_S // 30
    ann = pd.DataFrame(
        {
            "onset": np.arange(n_ep) * 30.0,
            "duration": 30.0,
            "description": ["Sleep stage N2"] * n_ep,
        }
    )
    write_edf(path, legs, START, annotations=ann)
    return path


def find(paths: tuple[str, ...], name: str) -> str:
    """The first existing path, or a clear failure (never a skip: CI installs them)."""
    for p in paths:
        if Path(p).is_file():
            return p
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(
        f"{name} not found: install the distribution's browser and driver "
        "(apt-get install -y chromium chromium-driver; .ci/run does)"
    )


def chromium(download_dir: Path | None = None, width: int = 1400, height: int = 900):
    """A headless Chromium driven by selenium, with timeouts set."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = find(CHROMIUM, "chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        opts.add_argument(arg)
    if download_dir is not None:
        opts.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(download_dir),
                "download.prompt_for_download": False,
            },
        )
    service = Service(find(CHROMEDRIVER, "chromedriver"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    if download_dir is not None:
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
        )
    return driver
