"""Label mapping: every label family, side from the channel, series labels, extensions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.labels import (
    LABEL_TABLE,
    Mapped,
    compile_rows,
    load_label_map,
    map_label,
    normalize_label,
    side_from_text,
)

DATA = Path(__file__).parent / "data" / "formats"

LM_CASES = [
    # (description, location, side)
    ("LM left", None, "left"),
    ("LM right", None, "right"),
    ("LM L", None, "left"),
    ("LM R", None, "right"),
    ("Limb Movement (Left)", None, "left"),
    ("Limb Movement (Right)", None, "right"),
    ("Limb movement - right", None, "right"),
    ("Limb movement - left|Limb Movement (Left)", None, "left"),
    ("Limb movement - right|Limb Movement (Right)", None, "right"),
    ("Leg movement L", None, "left"),
    ("Leg Movement Left", None, "left"),
    ("LM:left", None, "left"),
    ("lm-RIGHT", None, "right"),
    ("Limb Movement Left", None, "left"),
    ("Left leg movement", None, "left"),
    ("LM both", None, "both"),
    ("LM bilateral", None, "both"),
    # side from the channel
    ("PLM-LM", "EMG.Tibialis-Leg-Left", "left"),
    ("PLM-LM", "EMG.Tibialis-Leg-Right", "right"),
    ("LM-LEG", "LAntib1-LAntib2", "left"),
    ("LM-LEG", "RAntib1-RAntib2", "right"),
    ("LM", "Tib dx", "right"),
    ("LM", "Tib sx", "left"),
    ("LM", "tib sin", "left"),
    ("LM", "DX1-DX2", "right"),
    ("LM", "SX1-SX2", "left"),
    ("LM", "Left Leg", "left"),
    ("LM", "Right Leg", "right"),
    ("LM", "LAT", "left"),
    ("LM", "RAT", "right"),
    ("LM", "LLeg1-LLeg2", "left"),
    ("LM", "Leg/R", "right"),
    ("Limb Movement", "L Leg", "left"),
    ("Limb movement|Limb Movement", "R Leg", "right"),
    ("Leg Movement", "Right Leg", "right"),
    # French Noxturnal
    ("MJ", "Jambe gauche", "left"),
    ("MJ", "Jambe droite", "right"),
    ("MJ G", None, "left"),
    ("MJ D", None, "right"),
    ("Mouvement de jambe", "Left Leg", "left"),
    # label side wins over the channel
    ("LM left", "Right Leg", "left"),
]


@pytest.mark.parametrize(("desc", "loc", "side"), LM_CASES)
def test_leg_movements(desc: str, loc: str | None, side: str) -> None:
    m = map_label(desc, loc)
    assert m is not None and m.kind == "lm", (desc, loc, m)
    assert m.value == side


@pytest.mark.parametrize(
    ("desc", "loc"),
    [("MJ", None), ("Leg Movement", None), ("Limb Movement", None), ("LM", "Chin"), ("LM", None)],
)
def test_movement_without_side_is_both_with_note(desc: str, loc: str | None) -> None:
    m = map_label(desc, loc)
    assert m == Mapped("lm", "both", "no side in label or channel")


def test_side_from_channel_is_noted() -> None:
    assert map_label("PLM-LM", "EMG.Tibialis-Leg-Left").note == "side from channel"
    assert map_label("LM left").note == ""


@pytest.mark.parametrize(
    "desc",
    [
        "PLM",
        "PLMS",
        "PLM series",
        "PLM (Left)",
        "PLM (Right)",
        "Periodic leg movement - left",
        "Periodic leg movement - left|PLM (Left)",
        "Periodic leg movement - right|PLM (Right)",
        "Periodic limb movements",
        "plm-left",
    ],
)
def test_series_labels_are_ignored(desc: str) -> None:
    m = map_label(desc, "EMG.Tibialis-Leg-Left")
    assert m is not None
    assert (m.kind, m.value) == ("ignore", "plm_series")
    assert "series" in m.note


STAGE_CASES = [
    ("Sleep stage W", "W"),
    ("Sleep stage N1", "N1"),
    ("Sleep stage N2", "N2"),
    ("Sleep stage N3", "N3"),
    ("Sleep stage R", "R"),
    ("Sleep stage 1", "N1"),
    ("Sleep stage 2", "N2"),
    ("Sleep stage 3", "N3"),
    ("Sleep stage 4", "N3"),
    ("Sleep stage ?", "unscored"),
    ("W", "W"),
    ("Wake", "W"),
    ("N1", "N1"),
    ("N2", "N2"),
    ("N3", "N3"),
    ("REM", "R"),
    ("R", "R"),
    ("NREM1", "N1"),
    ("NREM2", "N2"),
    ("NREM3", "N3"),
    ("Stage 1", "N1"),
    ("Stage 2 sleep|2", "N2"),
    ("Stage 4 sleep|4", "N3"),
    ("REM sleep|5", "R"),
    ("Wake|0", "W"),
    ("Unscored|9", "unscored"),
    ("SLEEP-S0", "W"),
    ("SLEEP-S1", "N1"),
    ("SLEEP-S2", "N2"),
    ("SLEEP-S3", "N3"),
    ("SLEEP-S4", "N3"),
    ("SLEEP-REM", "R"),
    ("SLEEP-MT", "unscored"),
    ("SLEEP-UNSCORED", "unscored"),
    ("Éveil", "W"),
    ("Eveil", "W"),
    ("SP", "R"),
    ("Movement time", "unscored"),
    ("Sleep stage Wach", "W"),
    ("Sleep stage Wake", "W"),
    ("Sleep stage Rem", "R"),
    ("Sleep stage N4", "N3"),
    ("Sleep stage A", "unscored"),
    ("Sleep stage Movement", "unscored"),
    ("Sleep stage S2", "N2"),
    ("Sleep stage MT", "unscored"),
]


@pytest.mark.parametrize(("desc", "stage"), STAGE_CASES)
def test_stages(desc: str, stage: str) -> None:
    assert map_label(desc) == Mapped("stage", stage)


RESP_CASES = [
    ("Obstructive Apnea", "obstructive_apnea"),
    ("Obstructive apnea|Obstructive Apnea", "obstructive_apnea"),
    ("Central apnea", "central_apnea"),
    ("Mixed Apnea", "mixed_apnea"),
    ("Apnea", "apnea"),
    ("Hypopnea", "hypopnea"),
    ("Obstructive Hypopnea", "hypopnea"),
    ("Hypopnea|Hypopnea", "hypopnea"),
    ("APNEA-OBSTRUCTIVE", "obstructive_apnea"),
    ("APNEA-CENTRAL", "central_apnea"),
    ("APNEA-MIXED", "mixed_apnea"),
    ("HYPOPNEA", "hypopnea"),
    ("A. Obstructive", "obstructive_apnea"),
    ("A. Centrale", "central_apnea"),
    ("A. Mixte", "mixed_apnea"),
    ("Hypopnée", "hypopnea"),
    ("Apnée obstructive", "obstructive_apnea"),
    ("Obstruktive Apnoe", "obstructive_apnea"),
    ("Zentrale Apnoe", "central_apnea"),
    ("Gemischte Apnoe", "mixed_apnea"),
    ("Hypopnoe", "hypopnea"),
    ("Obstructive Apnoea", "obstructive_apnea"),
    ("RERA", "rera"),
    ("Respiratory effort related arousal|RERA", "rera"),
]


@pytest.mark.parametrize(("desc", "rtype"), RESP_CASES)
def test_respiratory(desc: str, rtype: str) -> None:
    assert map_label(desc) == Mapped("respiratory", rtype)


AROUSAL_CASES = [
    ("Arousal", "unspecified"),
    ("Arousal|Arousal ()", "unspecified"),
    ("Arousal (ARO SPONT)", "spontaneous"),
    ("Spontaneous arousal|Arousal (ARO SPONT)", "spontaneous"),
    ("Arousal (ARO Limb)", "lm"),
    ("Arousal resulting from respiratory effort|Arousal (ARO RES)", "respiratory"),
    ("ASDA arousal|Arousal (ASDA)", "unspecified"),
    ("AROUSAL", "unspecified"),
    ("AROUSAL-SPONT", "spontaneous"),
    ("AROUSAL-RESP", "respiratory"),
    ("AROUSAL-PLM", "plm"),
    ("AROUSAL-LM", "lm"),
    ("Micro-éveil", "unspecified"),
    ("Micro-eveil", "unspecified"),
    ("EEG arousal", "unspecified"),
    # SomnoMedics "Classification Arousals": never a movement
    ("PLM Arousal (EEG)", "plm"),
    ("LM Arousal (EEG)", "lm"),
    ("LM Arousal (EMG)", "lm"),
    ("Respiratory Arousal (EEG)", "respiratory"),
    ("Snore Arousal (EEG)", "snore"),
    ("Cardiac Arousal (EEG)", "cardiac"),
    ("Arousal (EEG)", "unspecified"),
    ("Arousal (EMG)", "unspecified"),
]


@pytest.mark.parametrize(("desc", "atype"), AROUSAL_CASES)
def test_arousals(desc: str, atype: str) -> None:
    assert map_label(desc) == Mapped("arousal", atype)


@pytest.mark.parametrize(
    ("desc", "kind"),
    [
        ("Lights off", "lights_off"),
        ("LIGHTS OFF", "lights_off"),
        ("LIGHTS-OFF", "lights_off"),
        ("Lights Out", "lights_off"),
        ("Lumière éteinte", "lights_off"),
        ("Extinction des lumières", "lights_off"),
        ("Lights on", "lights_on"),
        ("LIGHTS-ON", "lights_on"),
        ("Lumières allumées", "lights_on"),
    ],
)
def test_lights(desc: str, kind: str) -> None:
    assert map_label(desc) == Mapped(kind, None)


@pytest.mark.parametrize(
    "desc",
    [
        "Désat",
        "SpO2 desaturation|SpO2 desaturation",
        "Gauche",  # body position, not a leg
        "Droite",
        "Dos",
        "MCAP-A1",
        "Début de l'analyse",
        "Flow Limitation",
        "Movement|6",  # only a stage inside a Stages event (the XML reader handles it)
        "Unsure|Unsure",
        "Artefact",
        "Snore",
        "",
        "Limb",
        "LM nonsense words",
    ],
)
def test_unknown_labels_map_to_none(desc: str) -> None:
    assert map_label(desc) is None


def test_case_and_punctuation_tolerance() -> None:
    for variant in ("lm left", "LM LEFT", "  Lm_Left ", "LM/left", "LM.left", "LM (left)"):
        assert map_label(variant) == Mapped("lm", "left")
    assert normalize_label("Micro-éveil") == "micro eveil"
    assert normalize_label("Limb Movement (Left)") == "limb movement left"


def test_nan_location_is_ignored() -> None:
    assert map_label("LM", float("nan")) == Mapped("lm", "both", "no side in label or channel")


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("EMG.Tibialis-Leg-Left", "left"),
        ("LAntib1-LAntib2", "left"),
        ("RAntib1-RAntib2", "right"),
        ("Tib dx", "right"),
        ("Tib sx", "left"),
        ("TIB Dx", "right"),
        ("tib sin", "left"),
        ("Left Leg", "left"),
        ("Right Leg", "right"),
        ("LAT-RAT", "both"),
        ("Legs", "both"),
        ("Chin", None),
        ("EMG1-EMG2", None),
        (None, None),
    ],
)
def test_side_from_text(text: str | None, side: str | None) -> None:
    assert side_from_text(text) == side


def test_table_rows_are_readable_triples() -> None:
    assert all(len(row) == 3 for row in LABEL_TABLE)
    assert {k for _, k, _ in LABEL_TABLE} <= {
        "lm", "stage", "respiratory", "arousal", "lights_off", "lights_on", "ignore"
    }  # fmt: skip


# ------------------------------------------------------------------ extension


def test_extra_dict_rows_take_precedence() -> None:
    extra = {"Jambe G": "lm:left", "PLM (Left)": "lm:auto", "Etappe 2": "stage:N2"}
    assert map_label("Jambe G", extra=extra) == Mapped("lm", "left")
    assert map_label("jambe-g", extra=extra) == Mapped("lm", "left")
    assert map_label("PLM (Left)", extra=extra) == Mapped("lm", "left")
    assert map_label("Etappe 2", extra=extra) == Mapped("stage", "N2")
    assert map_label("Etappe 2") is None
    # built-ins still apply
    assert map_label("LM right", extra=extra) == Mapped("lm", "right")


def test_extra_pattern_rows() -> None:
    rows = [
        {"pattern": r"Bein.*links", "kind": "lm", "value": "left"},
        {"pattern": "Schnarchen", "kind": "ignore", "value": "snoring"},
        {"pattern": "Stadium W", "kind": "stage", "value": "Wake"},
    ]
    assert map_label("Beinbewegung links", extra=rows) == Mapped("lm", "left")
    m = map_label("Schnarchen", extra=rows)
    assert (m.kind, m.value) == ("ignore", "snoring")
    assert map_label("Stadium W", extra=rows) == Mapped("stage", "W")
    compiled = compile_rows(rows)
    assert map_label("Beinbewegung links", extra=compiled) == Mapped("lm", "left")


@pytest.mark.parametrize(
    "rows",
    [
        [{"pattern": "x", "kind": "leg"}],
        [{"pattern": "x", "kind": "lm", "value": "up"}],
        [{"pattern": "x", "kind": "stage", "value": "N5"}],
        [{"pattern": "x", "kind": "stage"}],
        [{"pattern": "x", "kind": "respiratory", "value": "snore"}],
        [{"pattern": "(", "kind": "lm"}],
        [{"kind": "lm"}],
        {"Jambe": "walk:left"},
    ],
)
def test_bad_extra_rows(rows) -> None:
    with pytest.raises(InputError):
        compile_rows(rows)


def test_load_label_map_json() -> None:
    rows = load_label_map(DATA / "labels_extra.json")
    assert map_label("Jambe D", extra=rows) == Mapped("lm", "right")
    assert map_label("Analysis start", extra=rows) == Mapped("lights_off", None)


def test_load_label_map_toml() -> None:
    rows = load_label_map(DATA / "labels_extra.toml")
    assert map_label("Beinbewegung links", extra=rows) == Mapped("lm", "left")
    assert map_label("PLMS", "Right Leg", extra=rows) == Mapped("lm", "right", "side from channel")
    assert map_label("Schlafstadium 2", extra=rows) == Mapped("stage", "N2")
    assert map_label("Fluss-Limitation", extra=rows) == Mapped("respiratory", "rera")


def test_load_label_map_list_json(tmp_path: Path) -> None:
    p = tmp_path / "rows.json"
    p.write_text(json.dumps([{"pattern": "Tibia .*", "kind": "lm", "value": "auto"}]))
    rows = load_label_map(p)
    assert map_label("Tibia event", "Left Leg", extra=rows).value == "left"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.json", "{not json"),
        ("bad.toml", "= nope"),
        ("bad_row.json", '[{"pattern": "x", "kind": "nonsense"}]'),
        ("scalar.json", "3"),
    ],
)
def test_load_label_map_errors_name_the_file(tmp_path: Path, name: str, text: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        load_label_map(p)
    assert exc.value.source == str(p)
    assert "\n" not in str(exc.value)
