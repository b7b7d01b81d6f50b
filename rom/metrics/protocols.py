"""Movement protocols: what to film, from which view, which angles to report, and norms.

The protocols ship in ``rom/metrics/protocols.toml`` (read with the standard library's
``tomllib``); a user TOML file in the same format can add protocols or override any key
of a packaged one, e.g. a norm::

    [cervical-rotation.norms.neck_rotation]
    positive = { normal_deg = 70 }
    source = "clinic reference values 2024"

A user norm table without its own ``source`` is reported as a user override. Every
problem with a file raises :class:`~rom.errors.ConfigError` with a one-line message that
names the file, the line (when it can be found) and the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from rom.errors import ConfigError, read_user_text
from rom.landmarks import LANDMARK_NAMES
from rom.metrics import catalogue

__all__ = ["Norm", "Protocol", "default_norms", "get_protocol", "load_protocols"]

VIEWS = ("front", "back", "side")
SIDES = ("left", "right")
KINDS = ("rom", "posture")
DIRECTIONS = ("positive", "negative", "value")
_REQUIRED = ("title", "views", "angles", "landmarks", "instructions")
_KEYS = (*_REQUIRED, "kind", "sides", "norms", "still_s")
#: Default shortest still period (seconds) a posture protocol's values are taken from.
DEFAULT_STILL_S = 5.0
_NORM_KEYS = ("normal_deg", "min_deg", "max_deg")


@dataclass(frozen=True)
class Norm:
    """Normal value of one angle in one direction.

    angle : catalogue angle name without side or unit, e.g. ``shoulder_flexion``
    direction : ``positive`` / ``negative`` (end of range; compare the peak's magnitude,
        e.g. extension 60 means a peak of -60 deg) or ``value`` (a static posture value)
    normal_deg : the normal end of range, or a typical posture value (degrees)
    min_deg, max_deg : limits of the normal range of a value (degrees), if any
    source : where the numbers come from
    """

    angle: str
    direction: str
    normal_deg: float | None
    min_deg: float | None
    max_deg: float | None
    source: str


@dataclass(frozen=True)
class Protocol:
    """One movement protocol (see ``protocols.toml`` for the meaning of each field).

    ``landmarks`` may contain ``{side}``, expanded by :meth:`required_landmarks`.
    """

    name: str
    title: str
    kind: str
    views: tuple[str, ...]
    angles: tuple[str, ...]
    sides: tuple[str, ...]
    landmarks: tuple[str, ...]
    instructions: str
    norms: tuple[Norm, ...]
    still_s: float = DEFAULT_STILL_S

    @property
    def measures(self) -> tuple[str, ...]:
        """Catalogue angle names reported (each once, in the order of ``angles``).

        Examples
        --------
        >>> get_protocol("shoulder-abduction").measures
        ('shoulder_abduction',)
        """
        return tuple(dict.fromkeys(catalogue.angle_def(c).name for c in self.angles))

    def required_landmarks(self, side: str | None = None) -> tuple[str, ...]:
        """Landmark names to check, with ``{side}`` expanded for ``side`` (or every side).

        Examples
        --------
        >>> get_protocol("elbow-flexion").required_landmarks("left")
        ('left_shoulder', 'left_elbow', 'left_wrist')
        """
        if side is not None and side not in self.sides:
            raise ValueError(f"side must be one of {self.sides} for {self.name}, got {side!r}")
        sides = (side,) if side else self.sides
        out: list[str] = []
        for lm in self.landmarks:
            for name in [lm.replace("{side}", s) for s in sides] if "{side}" in lm else [lm]:
                if name not in out:
                    out.append(name)
        return tuple(out)

    def columns(self, side: str | None = None) -> tuple[str, ...]:
        """Angle columns, only those of ``side`` (and the axial ones) when given."""
        if side is None:
            return self.angles
        return tuple(c for c in self.angles if catalogue.angle_def(c).side in (None, side))

    def norm(self, angle: str, direction: str) -> Norm | None:
        """The norm of a catalogue angle name or column (``shoulder_flexion_left_3d_deg``)."""
        name = angle
        if angle.endswith("_deg"):
            name = catalogue.angle_def(angle).name
        return next((n for n in self.norms if n.angle == name and n.direction == direction), None)


# --- locating keys in the text, for messages ----------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _path(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in dotted.split(".")]


def _find_line(text: str, path: list[str]) -> int | None:
    """1-based line where the key ``path`` (protocol, key, ...) is set, or its parent's."""
    found: dict[tuple[str, ...], int] = {}
    header: list[str] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            header = _path(m.group(1))
            found.setdefault(tuple(header), i)
            continue
        k = _KEYLINE.match(line)
        if k:
            full = header + _path(k.group(1))
            for j in range(1, len(full) + 1):
                found.setdefault(tuple(full[:j]), i)
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in found:
            return found[tuple(path[:n])]
    return None


class _Source:
    """A parsed TOML file and its text, to raise errors pointing into it."""

    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.text = text
        self.data = self._parse()

    def _parse(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as e:
            msg = str(e)
            lines = self.text.splitlines()
            m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
            if m:
                line, column = int(m.group(1)), m.group(2)
            else:  # "(at end of document)": point at the last non-blank line
                m = re.search(r"\(at end of document\)", msg)
                if not m:
                    raise ConfigError(f"{self.label}: invalid TOML: {msg}") from None
                blank = [i for i, s in enumerate(lines, start=1) if s.strip()]
                line, column = (blank[-1] if blank else 1), "end"
            reason = msg[: m.start()].strip()
            near = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            k = _KEYLINE.match(near)
            key = f", key {k.group(1).strip()!r}" if k else ""
            raise ConfigError(
                f"{self.label}:{line}:{column}: invalid TOML{key}: {reason} (line: {near[:80]!r})"
            ) from None

    def error(self, protocol: str, key: str, problem: str) -> ConfigError:
        line = _find_line(self.text, [protocol, *key.split(".")] if key else [protocol])
        where = f"{self.label}:{line}" if line else self.label
        what = f"protocol {protocol!r}, key {key!r}" if key else f"protocol {protocol!r}"
        return ConfigError(f"{where}: {what}: {problem}")


# --- building and checking one protocol -------------------------------------------------


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _build(name: str, raw: Mapping[str, Any], where: Mapping[str, _Source]) -> Protocol:
    """Check one merged protocol table; ``where[key]`` is the file that set ``key``."""

    def fail(key: str, problem: str) -> ConfigError:
        top = key.split(".")[0] if key else ""
        src = where.get(top) or where.get("")
        assert src is not None
        return src.error(name, key, problem)

    if not isinstance(raw, Mapping):
        raise fail("", "must be a table of keys (title, views, angles ...)")
    for key in raw:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(key, f"unknown key{hint}; allowed: {', '.join(_KEYS)}")
    for key in _REQUIRED:
        if key not in raw:
            raise fail("", f"missing required key {key!r}")
    for key in ("title", "instructions"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(key, "must be a non-empty string")
    kind = raw.get("kind", "rom")
    if kind not in KINDS:
        raise fail("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    still_s = raw.get("still_s", DEFAULT_STILL_S)
    if not _number(still_s) or still_s <= 0:
        raise fail("still_s", f"must be a positive number of seconds, got {still_s!r}")

    views = raw["views"]
    if not _strings(views) or not views or any(v not in VIEWS for v in views):
        raise fail("views", f"must be a non-empty list of {', '.join(VIEWS)}, got {views!r}")
    sides = raw.get("sides", [])
    if not _strings(sides) or any(s not in SIDES for s in sides):
        raise fail("sides", f"must be a list of {', '.join(SIDES)} (or []), got {sides!r}")

    angles = raw["angles"]
    valid_columns = catalogue.columns()
    if not _strings(angles) or not angles:
        raise fail("angles", "must be a non-empty list of angle column names")
    for col in angles:
        if col not in valid_columns:
            close = difflib.get_close_matches(col, valid_columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail("angles", f"unknown angle column {col!r}{hint}")
        definition = catalogue.angle_def(col)
        if definition.side is not None and definition.side not in sides:
            raise fail("sides", f"must include {definition.side!r} for column {col!r}")
        if not col.endswith("_3d_deg") and "any" not in definition.views:
            bad = [v for v in views if v not in definition.views]
            if bad:
                raise fail(
                    "views",
                    f"{col} is only valid from the {'/'.join(definition.views)} view, "
                    f"not {'/'.join(bad)}",
                )

    landmarks = raw["landmarks"]
    if not _strings(landmarks) or not landmarks:
        raise fail("landmarks", "must be a non-empty list of MediaPipe landmark names")
    for lm in landmarks:
        if "{side}" in lm and not sides:
            raise fail("landmarks", f"{lm!r} uses {{side}} but the protocol has no sides")
        for s in sides if "{side}" in lm else [""]:
            if lm.replace("{side}", s) not in LANDMARK_NAMES:
                raise fail("landmarks", f"unknown MediaPipe landmark {lm!r}")

    return Protocol(
        name=name,
        title=raw["title"].strip(),
        kind=kind,
        views=tuple(views),
        angles=tuple(angles),
        sides=tuple(sides),
        landmarks=tuple(landmarks),
        instructions=" ".join(raw["instructions"].split()),
        norms=_norms(raw.get("norms", {}), angles, fail),
        still_s=float(still_s),
    )


def _norms(raw: Any, angles: list[str], fail: Any) -> tuple[Norm, ...]:
    if not isinstance(raw, Mapping):
        raise fail("norms", "must be a table of angle names")
    reported = {catalogue.angle_def(c).name: catalogue.angle_def(c) for c in angles}
    out: list[Norm] = []
    for angle, table in raw.items():
        key = f"norms.{angle}"
        if angle not in reported:
            raise fail(
                key, f"{angle!r} is not an angle this protocol reports ({', '.join(reported)})"
            )
        if not isinstance(table, Mapping):
            raise fail(key, "must be a table with source and positive/negative/value")
        source = table.get("source")
        if not isinstance(source, str) or not source.strip():
            raise fail(key, "needs a 'source' string naming where the norm comes from")
        for direction, values in table.items():
            if direction == "source":
                continue
            dkey = f"{key}.{direction}"
            if direction not in DIRECTIONS:
                raise fail(dkey, f"direction must be one of {', '.join(DIRECTIONS)}")
            if direction == "negative" and not reported[angle].signed:
                raise fail(dkey, f"{angle} is unsigned: it has no negative direction")
            if not isinstance(values, Mapping) or not values:
                raise fail(dkey, f"must be a table of {', '.join(_NORM_KEYS)} (degrees)")
            for k, v in values.items():
                if k not in _NORM_KEYS:
                    raise fail(f"{dkey}.{k}", f"unknown key; allowed: {', '.join(_NORM_KEYS)}")
                if not _number(v):
                    raise fail(f"{dkey}.{k}", f"must be a number of degrees, got {v!r}")
            lo, hi = values.get("min_deg"), values.get("max_deg")
            if lo is not None and hi is not None and lo > hi:
                raise fail(dkey, f"min_deg {lo} is above max_deg {hi}")
            if direction != "value" and "normal_deg" not in values:
                raise fail(dkey, "an end-of-range norm needs normal_deg")
            out.append(
                Norm(
                    angle=angle,
                    direction=direction,
                    normal_deg=_float(values.get("normal_deg")),
                    min_deg=_float(lo),
                    max_deg=_float(hi),
                    source=" ".join(source.split()),
                )
            )
    return tuple(out)


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


# --- loading ------------------------------------------------------------------------------


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _packaged() -> _Source:
    text = resources.files("rom.metrics").joinpath("protocols.toml").read_text("utf-8")
    return _Source("rom/metrics/protocols.toml", text)


def _user(path: Path) -> _Source:
    p = Path(path)
    return _Source(str(p), read_user_text(p, "protocol file", ConfigError))


def load_protocols(extra_path: Path | str | None = None) -> dict[str, Protocol]:
    """All protocols: the packaged ones, merged with a user TOML file if given.

    Parameters
    ----------
    extra_path : path, optional
        A user TOML file; its tables add protocols or are merged key by key into the
        packaged ones (tables merge recursively, other values replace).

    Returns
    -------
    dict of str to Protocol
        By name, packaged protocols first.

    Raises
    ------
    ConfigError
        A file is missing, not valid TOML, or breaks the schema; the message names the
        file, line and key.

    Examples
    --------
    >>> sorted(load_protocols())[:2]
    ['cervical-flexion-extension', 'cervical-lateral-flexion']
    """
    pkg = _packaged()
    user = _user(Path(extra_path)) if extra_path is not None else None
    merged: dict[str, Any] = dict(pkg.data)
    where: dict[str, dict[str, _Source]] = {n: {"": pkg} for n in pkg.data}
    if user is not None:
        for name, table in user.data.items():
            if not isinstance(table, Mapping):
                raise user.error(name, "", "must be a table: write it as [" + name + "]")
            table = dict(table)
            norms = table.get("norms")
            if isinstance(norms, Mapping):  # a user norm without source is the user's own
                table["norms"] = {
                    a: (
                        dict(t, source=f"user override ({user.label})")
                        if isinstance(t, Mapping) and "source" not in t
                        else t
                    )
                    for a, t in norms.items()
                }
            base = merged.get(name, {})
            merged[name] = _merge(dict(base), table) if isinstance(base, Mapping) else table
            where.setdefault(name, {"": user})
            for key in table:
                where[name][key] = user
    return {name: _build(name, raw, where[name]) for name, raw in merged.items()}


def default_norms(extra_path: Path | str | None = None) -> dict[str, dict[str, Norm]]:
    """The norm of each catalogue angle and direction, from the first protocol that has
    one, for results without a protocol: ``{angle: {direction: Norm}}``.

    Examples
    --------
    >>> default_norms()["shoulder_abduction"]["positive"].normal_deg
    180.0
    """
    out: dict[str, dict[str, Norm]] = {}
    for protocol in load_protocols(extra_path).values():
        for norm in protocol.norms:
            out.setdefault(norm.angle, {}).setdefault(norm.direction, norm)
    return out


def get_protocol(name: str, extra_path: Path | str | None = None) -> Protocol:
    """One protocol by name.

    Raises
    ------
    ConfigError
        No protocol has that name; the message lists the valid names.

    Examples
    --------
    >>> get_protocol("cervical-rotation").views
    ('front',)
    """
    protocols = load_protocols(extra_path)
    try:
        return protocols[name]
    except KeyError:
        close = difflib.get_close_matches(name, protocols, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown protocol {name!r}{hint}; valid names: {', '.join(protocols)}"
        ) from None
