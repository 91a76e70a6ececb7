"""The batch on a real Dask LocalCluster equals the in-process run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from pipelines import batch  # noqa: E402
from pipelines.cli import main  # noqa: E402

DURATION_S = 2400
FS_HZ = 200
NAMES = ["dask_a", "dask_b", "dask_c", "dask_d"]


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> Path:
    from plm import simulate as synth

    d = tmp_path_factory.mktemp("dask_nights")
    for i, name in enumerate(NAMES):
        synth.write_night_edf(
            synth.simulate_night(DURATION_S, FS_HZ, seed=300 + i),
            d / f"{name}.edf",
            other_channels=False,
        )
    (d / "broken.edf").write_bytes(b"0       this is not an EDF file")
    return d


def _metrics(out: Path) -> pd.DataFrame:
    t = batch.read_cohort(out).set_index("recording").sort_index()
    volatile = {"recording", "recording_path", "scored_at", "elapsed_s"}  # differ per run
    cols = [c for c in batch.COHORT_COLUMNS if c not in volatile]
    return t[cols]


def test_local_cluster_equals_in_process(nights, tmp_path):
    local = tmp_path / "local"
    dask_out = tmp_path / "dask"
    assert main(["batch", str(nights), "--out", str(local)]) == 1
    assert main(["batch", str(nights), "--out", str(dask_out), "--scheduler", "local:2"]) == 1
    pd.testing.assert_frame_equal(_metrics(dask_out), _metrics(local))
    for name in NAMES:
        for suffix in ("_candidates.tsv", "_movements.tsv", "_summary.json"):
            a = (dask_out / name / f"{name}{suffix}").read_text()
            assert a == (local / name / f"{name}{suffix}").read_text(), (name, suffix)
    assert pd.read_csv(dask_out / "errors.tsv", sep="\t")["recording"].tolist() == ["broken"]


def test_run_batch_with_client_executor(nights, tmp_path):
    """run_batch takes Client.get_executor(pure=False); a rerun through it skips."""
    recordings = batch.discover_recordings([nights])
    jobs = batch.make_jobs(recordings, tmp_path / "out", limit_threads=True)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        executor = client.get_executor(pure=False)
        rows = batch.run_batch(jobs, executor)
        again = batch.run_batch(jobs, executor)
        # the command line reaches the same running scheduler by its tcp:// address
        out = tmp_path / "tcp"
        assert (
            main(
                ["batch", str(nights), "--out", str(out), "--scheduler", cluster.scheduler_address]
            )
            == 1
        )
        assert batch.read_cohort(out).set_index("recording")["status"].to_dict() == {
            "broken": "failed",
            **{n: "ok" for n in NAMES},
        }
    assert [r["recording"] for r in rows] == [j.key for j in jobs]
    assert {r["recording"]: r["status"] for r in rows} == {
        "broken": "failed",
        **{n: "ok" for n in NAMES},
    }
    assert {r["status"] for r in again if r["recording"] != "broken"} == {"skipped"}


def test_bad_scheduler_is_a_usage_error(nights, tmp_path):
    out = tmp_path / "o"
    assert main(["batch", str(nights), "--out", str(out), "--scheduler", "local:x"]) == 2
    assert main(["batch", str(nights), "--out", str(out), "--scheduler", "bogus"]) == 2
