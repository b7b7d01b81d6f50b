"""Analysis settings from command-line flags and a TOML file, resolved once.

``rom analyze`` and ``rom batch`` share this resolution: a flag given on the command line
wins over the same key in ``--config FILE.toml``, which wins over the default. The
file's keys are the flags' names with underscores (``cutoff_hz = 4.0``,
``protocol = "shoulder-abduction"``); ``--no-3d`` and ``--no-hampel`` are
``with_3d = false`` and ``hampel = false``. A ``[batch]`` table holds ``rom batch``'s own
settings (``workers``, ``scheduler``, ``max_memory_mb``). Relative paths in the file are
read from the file's folder.

:func:`config_to_toml` writes the effective settings back in the same format, so a
results folder's ``settings.toml`` re-runs the same analysis with ``--config``.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rom.errors import ConfigError, InputError, read_user_text


@dataclass(frozen=True)
class Setting:
    """One analysis setting: its TOML key, value type, default and a one-line help."""

    key: str
    kind: type
    default: Any
    help: str


#: Every analysis setting, in the order ``settings.toml`` lists them.
SETTINGS: tuple[Setting, ...] = (
    Setting("model", str, "full", "pose model: lite, full, heavy, or a path to a .task file"),
    Setting("person", str, None, "who to analyse: an index from the left, or a pixel X,Y"),
    Setting("protocol", str, None, "movement protocol, e.g. shoulder-abduction"),
    Setting("protocols_file", Path, None, "TOML file adding or overriding protocols and norms"),
    Setting("with_3d", bool, True, "also compute the 3D (world landmark) angles"),
    Setting("cutoff_hz", float, 6.0, "low-pass filter cut-off in Hz (0 turns it off)"),
    Setting("max_gap_s", float, 0.25, "longest gap of missing frames to interpolate (s)"),
    Setting("hampel", bool, True, "Hampel outlier rejection"),
    Setting("fps", float, 30.0, "frame rate of an image folder"),
    Setting("overlay", bool, False, "also write overlay.mp4"),
    Setting("blur_faces", bool, True, "blur the client's face in the overlay video"),
)
SETTING_KEYS = tuple(s.key for s in SETTINGS)
_BY_KEY = {s.key: s for s in SETTINGS}

#: ``rom batch``'s own settings (the ``[batch]`` table), with their types.
BATCH_KEYS: dict[str, type] = {"workers": int, "scheduler": str, "max_memory_mb": float}


def _check_value(key: str, value: Any, kind: type, where: str) -> Any:
    """``value`` converted to ``kind``, or a ConfigError naming the key and what it needs."""
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
        if kind is int and not float(value).is_integer():
            raise ConfigError(f"{where}: {key} must be a whole number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"{where}: {key} must be 0 or more, got {value!r}")
        return kind(value)
    if kind is str and key == "person" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty text, got {value!r}")
    return value.strip()


def read_settings_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The analysis settings and the ``[batch]`` settings of a TOML file, checked.

    Returns ``(analysis, batch)``: dicts holding only the keys the file sets, values of
    the right type (relative paths made absolute from the file's folder).

    Raises
    ------
    ConfigError
        Unreadable or malformed file, unknown key, wrong type; the message names the key.
    """
    p = Path(path)
    text = read_user_text(p, "settings file", ConfigError)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc}); fix the line named") from None
    return parse_settings(doc, where=str(p), base_dir=p.parent)


def parse_settings(
    doc: Mapping[str, Any], *, where: str = "settings", base_dir: Path | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a parsed settings document (see :func:`read_settings_file`)."""
    analysis: dict[str, Any] = {}
    batch: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "batch":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: [batch] must be a table")
            for bkey, bvalue in value.items():
                if bkey not in BATCH_KEYS:
                    raise ConfigError(
                        f"{where}: unknown key {bkey!r} in [batch]; known: " + ", ".join(BATCH_KEYS)
                    )
                batch[bkey] = _check_value(bkey, bvalue, BATCH_KEYS[bkey], where)
            continue
        if key not in _BY_KEY:
            raise ConfigError(
                f"{where}: unknown setting {key!r}; known: {', '.join(SETTING_KEYS)}, [batch]"
            )
        setting = _BY_KEY[key]
        kind = str if setting.kind is Path else setting.kind
        checked = _check_value(key, value, kind, where)
        if setting.kind is Path:
            checked = Path(checked).expanduser()
            if base_dir is not None and not checked.is_absolute():
                checked = base_dir / checked
        analysis[key] = checked
    if "workers" in batch and batch["workers"] < 1:
        raise ConfigError(f"{where}: workers must be 1 or more, got {batch['workers']}")
    return analysis, batch


def effective_settings(
    given: Mapping[str, Any], file_values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every setting's value: ``given`` (flags, None = not given) over ``file_values``
    over the defaults."""
    out = {s.key: s.default for s in SETTINGS}
    out.update({k: v for k, v in (file_values or {}).items() if v is not None})
    unknown = set(given) - set(SETTING_KEYS)
    if unknown:
        raise ValueError(f"not settings: {', '.join(sorted(unknown))}")
    out.update({k: v for k, v in given.items() if v is not None})
    return out


def resolve_config(
    given: Mapping[str, Any], config_file: str | Path | None = None
) -> Any:  # AnalysisConfig (imported late: keeps `rom --help` light)
    """The :class:`rom.pipeline.AnalysisConfig` of flags ``given`` and ``config_file``.

    Raises
    ------
    InputError
        A value no analysis can use (negative cut-off, malformed ``--person``).
    ConfigError
        A malformed settings file.
    """
    file_values = read_settings_file(config_file)[0] if config_file is not None else {}
    return config_from_settings(effective_settings(given, file_values))


def config_from_settings(values: Mapping[str, Any]) -> Any:
    """An AnalysisConfig from a complete settings dict (see :func:`effective_settings`)."""
    from rom.metrics.filtering import FilterSettings
    from rom.pipeline import AnalysisConfig
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    person_text = values["person"]
    try:
        person = PersonChoice.parse(None if person_text is None else str(person_text))
    except ValueError:
        raise InputError(
            f"--person {person_text!r} is neither an index (0, 1, ...) nor a pixel X,Y"
        ) from None
    for key, what in (
        ("cutoff_hz", "a cut-off in Hz, 0 or more (0 turns the low-pass filter off)"),
        ("max_gap_s", "a gap in seconds, 0 or more (0 fills no gap)"),
    ):
        if not values[key] >= 0:  # also refuses NaN
            flag = "--" + key.replace("_", "-")
            raise InputError(f"{flag} must be {what}, got {values[key]:g}")
    if not (0 < values["fps"] < math.inf):
        raise InputError(f"--fps must be a frame rate above 0, got {values['fps']}")
    model = str(values["model"])
    model_path, variant = (None, model) if model in ("lite", "full", "heavy") else (model, "full")
    if model_path is not None and not Path(model_path).exists() and not _looks_like_path(model):
        # "medium", "Full": a mistyped name, not a missing file
        raise InputError(
            f"--model {model!r} is not a model name: choose lite, full or heavy, or give the "
            "path to a .task file"
        )
    return AnalysisConfig(
        model_variant=variant,
        model_path=Path(model_path) if model_path else None,
        extract=ExtractSettings(person=person),
        filter=FilterSettings(
            hampel=bool(values["hampel"]),
            max_gap_s=float(values["max_gap_s"]),
            lowpass=values["cutoff_hz"] > 0,
            cutoff_hz=float(values["cutoff_hz"]) or 6.0,
        ),
        protocol=values["protocol"],
        protocols_file=Path(values["protocols_file"]) if values["protocols_file"] else None,
        with_3d=bool(values["with_3d"]),
        overlay=bool(values["overlay"]),
        blur_faces=bool(values["blur_faces"]),
        fps_for_images=float(values["fps"]),
    )


def config_settings(config: Any) -> dict[str, Any]:
    """The settings dict (TOML keys) an AnalysisConfig was made from."""
    person = config.extract.person
    person_text = None
    if person is not None:
        person_text = (
            str(person.index)
            if person.index is not None
            else f"{person.point_px[0]:g},{person.point_px[1]:g}"
        )
    return {
        "model": str(config.model_path) if config.model_path else config.model_variant,
        "person": person_text,
        "protocol": config.protocol,
        "protocols_file": str(config.protocols_file) if config.protocols_file else None,
        "with_3d": config.with_3d,
        "cutoff_hz": config.filter.cutoff_hz if config.filter.lowpass else 0.0,
        "max_gap_s": config.filter.max_gap_s,
        "hampel": config.filter.hampel,
        "fps": config.fps_for_images,
        "overlay": config.overlay,
        "blur_faces": config.blur_faces,
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def config_to_toml(config: Any, *, header: Mapping[str, str] | None = None) -> str:
    """``config``'s settings as a TOML document :func:`read_settings_file` reads back;
    ``header`` lines are written first as comments (provenance)."""
    lines = [f"# {k}: {v}" for k, v in (header or {}).items()]
    for key, value in config_settings(config).items():
        help_text = _BY_KEY[key].help
        if value is None:
            lines.append(f"# {key} = (not set): {help_text}")
        else:
            lines.append(f"{key} = {_toml_value(value)}  # {help_text}")
    return "\n".join(lines) + "\n"


def _looks_like_path(text: str) -> bool:
    """Whether a --model value names a file (a folder or a suffix in it) rather than a
    model by name."""
    return "/" in text or "\\" in text or Path(text).suffix != ""


def settings_hash(config: Any, *, model_sha256: str, version: str) -> str:
    """sha256 (hex) of everything that decides an analysis' numbers: the settings, the
    model file's hash and rom's version. The protocols file counts by its content."""
    doc = config_settings(config)
    doc.pop("overlay")  # drawings, not numbers
    doc.pop("blur_faces")
    doc["model"] = model_sha256
    if config.protocols_file:
        doc["protocols_file"] = hashlib.sha256(Path(config.protocols_file).read_bytes()).hexdigest()
    doc["rom_version"] = version
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def add_setting_flags(parser: Any) -> None:
    """Add every analysis setting's flag to an argparse parser (default None = not given,
    so that a ``--config`` file's value or the default applies)."""
    p = parser
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE.toml",
        help="settings file (keys as the flags, with underscores); flags win over it",
    )
    p.add_argument(
        "--protocol",
        "-p",
        default=None,
        help="movement protocol, e.g. shoulder-abduction (see `rom protocols`)",
    )
    p.add_argument(
        "--protocols-file",
        type=Path,
        default=None,
        help="TOML file adding or overriding protocols and norms",
    )
    p.add_argument(
        "--overlay",
        action="store_const",
        const=True,
        default=None,
        help="also write overlay.mp4 (H.264)",
    )
    p.add_argument(
        "--no-blur-faces",
        dest="blur_faces",
        action="store_const",
        const=False,
        default=None,
        help="do not blur the client's face in the overlay video (blurred by default)",
    )
    p.add_argument(
        "--person",
        default=None,
        help="who to analyse when several people are in view: an index counted "
        "left to right from 0, or a pixel X,Y inside the person in the first frame "
        "(default: the largest, most central person)",
    )
    p.add_argument(
        "--model",
        default=None,
        help="pose model: lite, full, heavy, or a path to a .task file (default full, the "
        "most consistent between left and right sides; heavy is slightly more accurate "
        "and about half as fast; env ROM_MODEL_PATH also works)",
    )
    p.add_argument(
        "--no-3d",
        dest="with_3d",
        action="store_const",
        const=False,
        default=None,
        help="skip the 3D (world landmark) angles",
    )
    p.add_argument(
        "--cutoff-hz",
        type=float,
        default=None,
        help="low-pass filter cut-off in Hz (default 6; 0 turns the filter off)",
    )
    p.add_argument(
        "--max-gap-s",
        type=float,
        default=None,
        help="longest gap of missing frames to interpolate, in seconds (default 0.25)",
    )
    p.add_argument(
        "--no-hampel",
        dest="hampel",
        action="store_const",
        const=False,
        default=None,
        help="turn off outlier rejection",
    )
    p.add_argument(
        "--fps",
        type=float,
        default=None,
        help="frame rate of an image folder (default 30; videos use their own timestamps)",
    )


def given_settings(args: Any) -> dict[str, Any]:
    """The settings given as flags in parsed ``args`` (None where not given)."""
    return {k: getattr(args, k, None) for k in SETTING_KEYS}
