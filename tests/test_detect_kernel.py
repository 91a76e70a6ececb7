"""The detection kernel shared by the EMG and accelerometer detectors (plm.detect.kernel)."""

from __future__ import annotations

import numpy as np
import pytest

from plm.detect.kernel import (
    block_means,
    block_size,
    hysteresis_events,
    odd,
    resting_level,
    runs,
    stretches_above,
    threshold_masks,
)


def _naive_runs(mask):
    starts, ends = [], []
    for i, v in enumerate(mask):
        if v and (i == 0 or not mask[i - 1]):
            starts.append(i)
        if v and (i == len(mask) - 1 or not mask[i + 1]):
            ends.append(i + 1)
    return starts, ends


@pytest.mark.parametrize("seed", range(5))
def test_runs_matches_a_naive_scan(seed):
    mask = np.random.default_rng(seed).random(200) < 0.4
    s, e = runs(mask)
    assert s.dtype == np.int64 and e.dtype == np.int64
    assert (s.tolist(), e.tolist()) == _naive_runs(mask.tolist())


def test_runs_edges_and_empty():
    assert [a.tolist() for a in runs(np.array([True, True, False, True]))] == [[0, 3], [2, 4]]
    assert [a.size for a in runs(np.zeros(0, bool))] == [0, 0]


def test_odd_and_block_size():
    assert [odd(x) for x in (0, 1, 2, 2.6, 4)] == [1, 1, 3, 3, 5]
    assert block_size(500) == 50 and block_size(5) == 1


def test_block_means_keeps_trailing_axes_and_partial_block():
    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    m = block_means(x, 3)
    assert m.dtype == np.float64 and m.shape == (3, 2)
    np.testing.assert_allclose(m[-1], x[6])
    np.testing.assert_allclose(block_means(x[:, 0], 3), m[:, 0])


def test_resting_level_ignores_short_bursts_and_follows_plateaus():
    m = np.full(3000, 1.0)  # 0.1-s blocks: 5 min
    m[1000:1020] = 20.0  # a 2-s burst
    m[2000:] = 12.0  # a long elevated stretch
    level, elevated = resting_level(
        m, 0.1, smooth_s=0.5, floor_s=30.0, window_s=60.0, rest_above=8.0, elevated_above=10.0
    )
    assert np.allclose(level[900:1100], 1.0)
    assert elevated[2100:].all() and not elevated[:1900].any()
    assert np.allclose(level[2005:], 12.0) and np.allclose(level[:1650], 1.0)
    assert (level[1650:1995] < 1.2).all()  # never averaged across the class edge
    single, none = resting_level(m, 0.1, smooth_s=0.5, floor_s=30.0, window_s=60.0, rest_above=8.0)
    assert not none.any() and single[1500] == pytest.approx(1.0)


def test_stretches_above_joins_short_gaps():
    level = np.zeros(100)
    level[10:20] = level[22:30] = level[60:70] = 5.0
    table, mask = stretches_above(level, 10.0, 1.0, merge_gap_s=0.5, t0_s=2.0)
    assert table["onset"].tolist() == [3.0, 8.0]
    assert table["duration"].tolist() == pytest.approx([2.0, 1.0])
    assert mask[20:22].all() and mask.sum() == 30
    empty, none = stretches_above(np.zeros(5), 10.0, 1.0)
    assert empty.empty and not none.any()


def _events(trace, fs=10.0, unscorable=None):
    above = np.asarray(trace, np.float32)
    active, onset = threshold_masks(lambda i, j: above[i:j], above.size, 8.0, 2.0, chunk=7)
    return hysteresis_events(active, onset, fs, quiet_s=0.5, min_s=0.5, unscorable=unscorable)


def test_hysteresis_onset_quiet_run_and_minimum_duration():
    x = np.zeros(200)
    x[20:23] = 3.0  # active but never above the onset margin: no event
    x[50:52] = 10.0  # onset
    x[52:60] = 3.0  # stays above the offset margin
    x[60:63] = 0.0  # a quiet run shorter than 0.5 s does not end it
    x[63:70] = 3.0
    x[100:103] = 10.0  # 0.3 s: too short
    on, off, info = _events(x)
    assert on.tolist() == [50] and off.tolist() == [70]
    assert info == {"n_candidates": 2, "rejected_short": 1}


def test_hysteresis_drops_the_edges_of_unscorable_stretches():
    x = np.zeros(200)
    x[50:60] = 10.0
    x[150:160] = 10.0
    u = np.zeros(200, bool)
    u[60:100] = True  # the first event ends where it starts
    on, off, info = _events(x, unscorable=u)
    assert on.tolist() == [150]
    assert info["rejected_unscorable_edge"] == 1
