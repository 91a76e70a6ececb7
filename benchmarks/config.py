"""What the full and the quick runs measure: input sizes and numbers of repeats."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Case names in run order (``--only`` takes a comma-separated subset).
CASES: tuple[str, ...] = (
    "e2e",
    "bytes",
    "cli",
    "floor",
    "stages",
    "mne",
    "mne_raw",
    "scaling",
    "engine",
    "density",
    "batch",
    "profile",
    "startup",
    "command",
    "report",
    "autonomic",
    "batch8",
    "cohort",
)


@dataclass(frozen=True)
class Config:
    """Sizes and repeats of one benchmark run.

    Durations are in hours, rates in Hz, densities in monolateral leg movements per
    hour (both legs together).  ``*_repeats`` in-process cases are best-of/median over
    that many timed calls after one untimed warm-up; subprocess cases start one fresh
    interpreter per repeat.
    """

    quick: bool = False
    hours: float = 8.0
    rates_hz: tuple[float, ...] = (200.0, 256.0, 500.0)
    e2e_repeats: int = 5
    cli_repeats: int = 3
    inproc_repeats: int = 5
    mne_repeats: int = 2
    scaling_hours: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    scaling_fs_hz: float = 500.0
    scaling_repeats: int = 3
    densities_per_h: tuple[float, ...] = (0.0, 50.0, 200.0, 500.0)
    engine_hours: float = 8.0
    engine_repeats: int = 20
    density_hours: float = 8.0
    density_fs_hz: float = 500.0
    density_repeats: int = 3
    batch_nights: int = 16
    batch_hours: float = 2.0
    batch_fs_hz: float = 256.0
    batch_jobs: tuple[int, ...] = (1, 2)
    startup_repeats: int = 5
    command_nights: tuple[tuple[float, float], ...] = ((8.0, 256.0), (8.0, 500.0))
    command_repeats: int = 5
    report_nights: tuple[tuple[float, float], ...] = ((8.0, 256.0),)
    report_repeats: int = 3
    batch8_nights: int = 4
    batch8_hours: float = 8.0
    batch8_fs_hz: float = 256.0
    cohort_nights: int = 200
    cohort_distinct: int = 8
    cohort_hours: float = 0.25
    cohort_fs_hz: float = 200.0
    cohort_workers: tuple[int, ...] = (1, 2)
    targets: dict[str, float] = field(
        default_factory=lambda: {
            "e2e_wall_s": 2.0,
            "e2e_over_floor": 1.5,
            "rss_over_legs_f32": 3.0,
            "engine_4000_lms_s": 0.050,
            "scaling_ratio_max": 2.2,
            "bytes_read_over_file": 1.05,
            "mne_raw_rss_ratio": 1.2,
            "command_over_floor_process": 1.25,
            "report_extra_s": 1.0,
            "startup_s": 0.3,
            "batch8_speedup": 1.8,
            "batch_efficiency": 0.85,
            "autonomic_over_score": 0.10,
        }
    )

    @property
    def main_fs_hz(self) -> float:
        """The rate the targets refer to (the highest measured)."""
        return max(self.rates_hz)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = Config()

QUICK = Config(
    quick=True,
    hours=10 / 60,
    rates_hz=(200.0,),
    e2e_repeats=1,
    cli_repeats=1,
    inproc_repeats=1,
    mne_repeats=1,
    scaling_hours=(5 / 60, 10 / 60, 20 / 60),
    scaling_fs_hz=200.0,
    scaling_repeats=1,
    engine_hours=10 / 60,
    engine_repeats=3,
    density_hours=10 / 60,
    density_fs_hz=200.0,
    density_repeats=1,
    batch_nights=2,
    batch_hours=10 / 60,
    batch_fs_hz=200.0,
    startup_repeats=1,
    command_nights=((10 / 60, 200.0),),
    command_repeats=1,
    report_nights=((10 / 60, 200.0),),
    report_repeats=1,
    batch8_nights=2,
    batch8_hours=10 / 60,
    batch8_fs_hz=200.0,
    cohort_nights=8,
    cohort_distinct=2,
    cohort_hours=10 / 60,
    cohort_fs_hz=200.0,
)
