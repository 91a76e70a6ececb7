"""Golden outputs: score fixed inputs with the command line and fingerprint every output.

Used by ``tests/test_golden.py`` to prove that a refactor keeps behaviour: the inputs are
generated from fixed seeds (their checksums are frozen too, so a moved generator must still
write the same bytes), every command a user runs is run on them, and every output file is
reduced to a sha256 after removing what legitimately changes between runs (software
version, wall-clock stamps, absolute paths, elapsed times).

Regenerate the frozen fingerprints (only when a behaviour change is intended and said so in
the commit) with ``python -m tests.golden.golden --write``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "night01.edf"
FROZEN = Path(__file__).with_name("fingerprints.json")

#: keys whose value changes from run to run (or machine to machine) without any behaviour change
VOLATILE_KEYS = {"software", "version", "scored_at", "elapsed_s", "recording_path", "path"}
#: outputs not frozen: figures and pages (rendering is not scoring; the report issue redraws them)
SKIP_SUFFIXES = (".html", ".pdf", ".png", ".svg")


def _gen():
    """The synthetic-night generators."""
    from plm import simulate as sim_emg
    from plm.simulate import accel as sim_accel

    return sim_emg, sim_accel


def make_inputs(folder: Path) -> dict[str, Path]:
    """Write every golden input into ``folder``; return name -> path."""
    from plm.io.edf import SignalSpec, write_edf

    sim_emg, sim_accel = _gen()
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    # an EMG night with every artifact the generator knows (ECG bleed, hum, pops, noise)
    night = sim_emg.simulate_night(2400, 200, seed=101, artifacts=True)
    paths["emg"] = folder / "emg_artifacts.edf"
    sim_emg.write_night_edf(night, paths["emg"])

    # EDF+D: a dense night with 1800-2400 s missing
    dense = sim_emg.simulate_night(3600, 200, seed=21, plms_per_h=90, isolated_per_h=0)
    fs, rec = 200, 1.0
    n_rec = int(dense.duration_s / rec)
    onsets = np.arange(n_rec) * rec
    keep = (onsets + rec <= 1800.0) | (onsets >= 2400.0)
    spr = int(fs * rec)

    def cut(x):
        return x[: n_rec * spr].reshape(n_rec, spr)[keep].ravel()

    legs = [
        SignalSpec("Leg L", cut(dense.left_uv), fs, "uV", -3000, 3000),
        SignalSpec("Leg R", cut(dense.right_uv), fs, "uV", -3000, 3000),
    ]
    hyp = dense.hypnogram.to_frame()
    ann = pd.DataFrame(
        {
            "onset": hyp["onset"],
            "duration": hyp["duration"],
            "description": "Sleep stage " + hyp["stage"],
        }
    )
    ann = ann[(ann["onset"] + 30 <= 1800.0) | (ann["onset"] >= 2400.0)]
    paths["edfd"] = folder / "dense_edfd.edf"
    write_edf(paths["edfd"], legs, dense.start_datetime, annotations=ann, file_type="EDF+D",
              record_onsets_s=onsets[keep])  # fmt: skip

    # SIT: a dense wake-like hour scored as an immobilization test
    paths["sit"] = folder / "sit_night.edf"
    sit = sim_emg.simulate_night(3600, 200, seed=5, plms_per_h=80)
    sim_emg.write_night_edf(sit, paths["sit"], other_channels=False)

    # ankle accelerometry, one EDF with both ankles
    acc = sim_accel.simulate_accel_night(duration_s=3600, fs_hz=50, seed=3, plms_per_h=40)
    paths["accel"] = folder / "ankles.edf"
    sim_accel.write_accel_edf(acc, paths["accel"])
    return paths


def _normalise_json(obj):
    if isinstance(obj, dict):
        return {k: _normalise_json(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [_normalise_json(v) for v in obj]
    return obj


def fingerprint_file(path: Path, work: Path) -> str:
    """sha256 of a file's content with the volatile parts removed."""
    data = path.read_bytes()
    if path.suffix in (".json", ".tsv"):
        # absolute paths of the temporary work folder and of the checkout
        data = data.replace(str(work).encode(), b"<WORK>").replace(str(ROOT).encode(), b"<ROOT>")
    if path.suffix == ".json":
        obj = _normalise_json(json.loads(data))
        data = json.dumps(obj, sort_keys=True).encode()
    elif path.suffix == ".tsv":
        frame = pd.read_csv(io.BytesIO(data), sep="\t", dtype=str, keep_default_na=False)
        frame = frame.drop(columns=[c for c in frame.columns if c in VOLATILE_KEYS])
        data = frame.to_csv(sep="\t", index=False).encode()
    return hashlib.sha256(data).hexdigest()


def fingerprint_dir(folder: Path, work: Path) -> dict[str, str]:
    """Relative path -> fingerprint for every output below ``folder``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.endswith(SKIP_SUFFIXES):
            out[p.relative_to(folder).as_posix()] = fingerprint_file(p, work)
    return out


def run_all(work: Path) -> dict[str, dict[str, str]]:
    """Generate the inputs, run every command on them, fingerprint inputs and outputs."""
    from pipelines.cli import main

    inputs = make_inputs(work / "inputs")
    result: dict[str, dict[str, str]] = {
        "inputs": {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in inputs.items()}
    }
    runs = {
        "score_sample": ["score", str(SAMPLE)],
        "score_emg": ["score", str(inputs["emg"])],
        "score_edfd": ["score", str(inputs["edfd"])],
        "score_events": ["score-events", str(ROOT / "sample_data" / "night01_scored.tsv"),
                         "--hypnogram", str(SAMPLE)],
        "score_aasm": ["score", str(SAMPLE), "--rules", "aasm2012", "--set", "imi_min_s=6"],
        "accel": ["score-accel", str(inputs["accel"])],
        "sit": ["sit", str(inputs["sit"]), "--window", "22:40", "40"],
    }  # fmt: skip
    for name, argv in runs.items():
        out = work / name
        with contextlib.redirect_stdout(io.StringIO()):
            code = main([*argv, "--out", str(out)])
        if code != 0:
            raise RuntimeError(f"{name}: exit {code}")
        result[name] = fingerprint_dir(out, work)

    # a batch folder: the sample night, the artifact night and one bad file
    folder = work / "batch_in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "night01.edf")
    shutil.copy(inputs["emg"], folder / "emg_artifacts.edf")
    (folder / "broken.edf").write_bytes(b"0       not an EDF at all")
    out = work / "batch_out"
    with contextlib.redirect_stdout(io.StringIO()):
        main(["batch", str(folder), "--out", str(out), "--jobs", "1"])
    result["batch"] = fingerprint_dir(out, work)
    return result


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        got = run_all(Path(tmp))
    text = json.dumps(got, indent=1, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        FROZEN.write_text(text)
        print(f"wrote {FROZEN}")
    else:
        print(text)
