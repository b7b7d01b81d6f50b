"""Before vs after: is the change real, or within measurement noise?

Pure functions over :class:`~rom.metrics.measure_values.MeasureValue` lists (no database,
no files but the packaged MDC table).

The verdict
-----------
For each protocol, measure, side and direction measured in both sessions, the change is
``after - before`` in degrees (positive = more range) and in percent of the value before.
It is called **real** only when its size exceeds both

1. the **published minimal detectable change** (MDC) of that measure
   (``rom/metrics/mdc.toml``, each value with its source; e.g. cervical ROM 5.4-9.6 deg with
   a CROM device, Fletcher & Bandy 2008; shoulder flexion 8, abduction 4, internal
   rotation 8, external rotation 9 deg with an inclinometer, MDC90, Kolber et al. 2011), and
2. the **noise of these two recordings**: ``1.96 x sqrt(2) x SD_w``, where ``SD_w`` is the
   within-session standard deviation of the repetition peaks, pooled over both sessions
   (``SD_w^2 = sum_i (n_i - 1) s_i^2 / sum_i (n_i - 1)``). ``SD_w`` plays the part of the
   standard error of measurement in the usual MDC95 formula (Weir 2005, J Strength Cond Res
   19(1):231-240; Haley & Fragala-Pinkham 2006, Phys Ther 86(5):735-743).

A measure without a published MDC is judged on the recordings' own noise alone (said in
``basis``). With fewer than 2 degrees of freedom for ``SD_w`` (e.g. one repetition in each
session) the own noise is unknown and the change is **not judged**; so is a change
where either value was read in another view than its measure's (flag ``other_view``). A value missing from
either session is **missing**, never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from rom.errors import ConfigError, read_user_text
from rom.metrics.asymmetry import DIRECTIONAL_ANGLES, symmetry_index
from rom.metrics.measure_values import MeasureValue, other_view_note, values_by_key
from rom.metrics.results import STATUS_WORDS
from rom.metrics.uncertainty import difference_sd, noise_words

__all__ = [
    "AsymmetryChange",
    "Change",
    "Mdc",
    "ProgressRow",
    "compare_asymmetry",
    "compare_values",
    "headline",
    "load_mdc",
    "noise_mdc_deg",
    "pooled_within_sd",
    "progress",
    "shown_value",
    "side_difference",
]

#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Fewest degrees of freedom of the pooled within-session SD for a verdict.
MIN_NOISE_DF = 2

VERDICTS = ("real", "within noise", "not judged", "missing")


@dataclass(frozen=True)
class Mdc:
    """A published minimal detectable change of one measure in one direction (degrees)."""

    measure: str
    direction: str
    value_deg: float
    level: str
    source: str


def load_mdc(path: str | Path | None = None) -> dict[tuple[str, str], Mdc]:
    """The MDC table: the packaged ``mdc.toml``, updated by the user file ``path``.

    Keys are (catalogue angle name, direction). Raises :class:`~rom.errors.ConfigError`
    for a malformed file (the message names the file and the key).
    """
    text = (resources.files("rom.metrics") / "mdc.toml").read_text(encoding="utf-8")
    table = _parse_mdc(text, "rom/metrics/mdc.toml")
    if path is not None:
        label = str(path)
        table.update(_parse_mdc(read_user_text(path, "MDC file", ConfigError), label))
    return table


def _parse_mdc(text: str, label: str) -> dict[tuple[str, str], Mdc]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{label}: invalid TOML: {e}") from None
    out: dict[tuple[str, str], Mdc] = {}
    for measure, entry in data.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{label}: {measure!r} must be a table like [neck_rotation]")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ConfigError(f'{label}: [{measure}] needs a source = "..." (where it is from)')
        for direction in ("positive", "negative"):
            if direction not in entry:
                continue
            v = entry[direction]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ConfigError(
                    f"{label}: [{measure}] {direction} must be a positive number of degrees, "
                    f"got {v!r}"
                )
            out[(measure, direction)] = Mdc(
                measure, direction, float(v), str(entry.get("level", "MDC")), source.strip()
            )
        unknown = set(entry) - {"positive", "negative", "level", "source"}
        if unknown:
            raise ConfigError(f"{label}: [{measure}] unknown key {min(unknown)!r}")
    return out


def pooled_within_sd(*peak_sets: Sequence[float]) -> tuple[float | None, int]:
    """Pooled within-session SD of repetition peaks and its degrees of freedom.

    ``SD_w = sqrt(sum_i sum_j (x_ij - mean_i)^2 / sum_i (n_i - 1))`` over the sessions
    ``peak_sets`` (degrees). Non-finite peaks are ignored. Returns (None, df) when df < 1.

    Examples
    --------
    >>> sd, df = pooled_within_sd([100.0, 102.0, 104.0], [110.0, 112.0, 114.0])
    >>> round(sd, 6), df
    (2.0, 4)
    """
    ss = 0.0
    df = 0
    for peaks in peak_sets:
        x = [float(p) for p in peaks if isinstance(p, (int, float)) and math.isfinite(p)]
        if len(x) < 2:
            continue
        m = math.fsum(x) / len(x)
        ss += math.fsum((v - m) ** 2 for v in x)
        df += len(x) - 1
    if df < 1:
        return None, df
    return math.sqrt(ss / df), df


def noise_mdc_deg(sd_w_deg: float) -> float:
    """The smallest change beyond the recordings' own noise: 1.96 x sqrt(2) x SD_w."""
    return Z95 * math.sqrt(2.0) * sd_w_deg


@dataclass(frozen=True)
class Change:
    """One measure before and after; ``None`` = missing, never zero (degrees, percent)."""

    protocol: str
    measure: str
    side: str
    direction: str
    label: str
    before_deg: float | None
    after_deg: float | None
    before_status: str
    after_status: str
    change_deg: float | None
    change_pct: float | None
    mdc_deg: float | None
    mdc_level: str
    mdc_source: str
    noise_sd_deg: float | None
    noise_df: int
    noise_mdc_deg: float | None
    threshold_deg: float | None
    verdict: str
    basis: str
    normal_deg: float | None
    before_pct_normal: float | None
    after_pct_normal: float | None
    before_estimate: str
    after_estimate: str
    #: "" or the words of a value read in another view than its measure's
    #: (:func:`rom.metrics.measure_values.other_view_note`)
    before_view_note: str = ""
    after_view_note: str = ""
    #: ``basis`` as its separate notes (a missing value's reason before, and after), so
    #: that a table of changes says a note its rows share once
    #: (:func:`rom.metrics.notes.table_notes`); not in :meth:`as_dict` (``basis`` is)
    basis_notes: tuple[str, ...] = ()
    #: a value missing because its peak was not seen: the largest value seen (a lower
    #: bound, degrees), shown as "at least" and never used as a value
    before_at_least_deg: float | None = None
    after_at_least_deg: float | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        """The verdict's notes: why a change is missing or not judged (``basis``, in its
        separate notes); () for a change judged real or within noise."""
        if self.verdict not in ("missing", "not judged"):
            return ()
        return self.basis_notes or ((self.basis,) if self.basis else ())

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.protocol, self.measure, self.side, self.direction)

    @property
    def trend(self) -> str:
        """``increase`` / ``decrease`` (of range; of the signed value for a posture) of a
        change judged (real or within noise), or "" when there is no change to read: a
        change missing or not judged has no trend (its difference may be the camera's)."""
        if self.change_deg is None or self.verdict not in ("real", "within noise"):
            return ""
        return "increase" if self.change_deg > 0 else "decrease" if self.change_deg < 0 else ""

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("basis_notes", None)
        d["trend"] = self.trend
        return d


def shown_value(
    value_deg: float | None, at_least_deg: float | None, missing: str, fmt: str = ".0f"
) -> str:
    """A value as a comparison table shows it: the value (format ``fmt``), a lower bound
    (a peak not seen) as ">=N", else ``missing``.

    >>> shown_value(None, 106.4, "--"), shown_value(98.6, None, "--", ".1f")
    ('>=106', '98.6')
    """
    if value_deg is not None and math.isfinite(value_deg):
        return f"{value_deg:{fmt}}"
    if at_least_deg is not None and math.isfinite(at_least_deg):
        return f">={at_least_deg:.0f}"
    return missing


def _status(v: MeasureValue | None) -> str:
    return "absent" if v is None else v.status


def _missing_basis(which: str, v: MeasureValue | None) -> str:
    if v is None:
        return f"not recorded {which}"
    status = v.status.replace("_", " ") if v.status != "measured" else "no value"
    return f"{status} {which}" + (f": {v.reason}" if v.reason else "")


def _own_noise(
    b: MeasureValue | None, a: MeasureValue | None
) -> tuple[float | None, int, float | None, str]:
    """(SD_w, df, 1.96 x sqrt(2) x SD_w or None, what it is from) of two values."""
    both = [v for v in (b, a) if v is not None and v.reported]
    if both and all(v.kind == "posture" for v in both):
        spreads = [v.spread_deg for v in both if v.spread_deg is not None]
        if not spreads:
            return None, 0, None, "the spread over each still period"
        rms = math.sqrt(math.fsum(x * x for x in spreads) / len(spreads))
        return rms, MIN_NOISE_DF, noise_mdc_deg(rms), "the spread over each still period"
    sd, df = pooled_within_sd(*(v.rep_peaks_deg for v in both))
    own = noise_mdc_deg(sd) if sd is not None and df >= MIN_NOISE_DF else None
    return sd, df, own, "the spread of the repetition peaks"


def _change_one(
    b: MeasureValue | None, a: MeasureValue | None, mdc: Mapping[tuple[str, str], Mdc]
) -> Change:
    ref = a if a is not None else b
    assert ref is not None
    lit = mdc.get((ref.base_measure, ref.direction))
    before = b.value_deg if b is not None and b.reported else None
    after = a.value_deg if a is not None and a.reported else None
    sd, df, own, noise_from = _own_noise(b, a)
    change = pct = threshold = None
    notes: tuple[str, ...] = ()
    if before is None or after is None:
        verdict = "missing"
        notes = tuple(
            _missing_basis(which, v)
            for which, v, ok in (("before", b, before is not None), ("after", a, after is not None))
            if not ok
        )
        basis = "; ".join(notes)
    else:
        assert b is not None and a is not None
        change = after - before
        pct = 100.0 * change / before if before > 0 and ref.kind == "rom" else None
        if pct is not None and not math.isfinite(pct):
            pct = None  # a before value too near 0 for a percentage (it overflows)
        flagged = [(w, other_view_note(v)) for w, v in (("before", b), ("after", a))]
        flagged = [(w, n) for w, n in flagged if n]
        if b.protocol != a.protocol:
            verdict = "not judged"
            basis = (
                f"analysed {_protocol_words(b.protocol)} before and "
                f"{_protocol_words(a.protocol)} after (filmed and instructed differently): "
                "analyse both sessions with the same protocol"
            )
        elif flagged:
            verdict = "not judged"
            basis = (
                "; ".join(f"the value {w} was {n}" for w, n in flagged)
                + ": film both sessions from the view the measure needs"
            )
        elif b.estimate != a.estimate:
            verdict = "not judged"
            basis = (
                f"measured in {b.estimate.upper()} before and {a.estimate.upper()} after "
                "(the camera views differ): film both sessions from the same view"
            )
        elif own is None and ref.kind == "posture":
            verdict = "not judged"
            basis = "the spread over the still periods is unknown"
        elif own is None:
            verdict = "not judged"
            basis = (
                "too few repetitions to know this recording's noise (at least 3 in one "
                "session, or 2 in each, are needed): film 3 repetitions"
            )
        else:
            threshold = max(own, lit.value_deg) if lit else own
            verdict = "real" if abs(change) > threshold else "within noise"
            parts = [f"recordings' noise {own:.1f} deg (from {noise_from})"]
            if lit:
                parts.append(f"published {lit.level} {lit.value_deg:g} deg")
            else:
                parts.append("no published MDC for this measure")
            basis = ("exceeds " if verdict == "real" else "does not exceed ") + (
                " and ".join(parts) if verdict == "real" else " or ".join(parts)
            )
    return Change(
        protocol=ref.protocol,
        measure=ref.measure,
        side=ref.side,
        direction=ref.direction,
        label=ref.label,
        before_deg=before,
        after_deg=after,
        before_status=_status(b),
        after_status=_status(a),
        change_deg=change,
        change_pct=pct,
        mdc_deg=lit.value_deg if lit else None,
        mdc_level=lit.level if lit else "",
        mdc_source=lit.source if lit else "",
        noise_sd_deg=sd,
        noise_df=df,
        noise_mdc_deg=own,
        threshold_deg=threshold,
        verdict=verdict,
        basis=basis,
        normal_deg=ref.normal_deg,
        before_pct_normal=b.percent_of_normal if b is not None and b.reported else None,
        after_pct_normal=a.percent_of_normal if a is not None and a.reported else None,
        before_estimate=b.estimate if b is not None else "",
        after_estimate=a.estimate if a is not None else "",
        # a value, or its lower bound, carries its view note
        before_view_note=other_view_note(b) if b is not None and b.shown else "",
        after_view_note=other_view_note(a) if a is not None and a.shown else "",
        basis_notes=notes,
        before_at_least_deg=b.at_least_deg if b is not None and before is None else None,
        after_at_least_deg=a.at_least_deg if a is not None and after is None else None,
    )


def _protocol_words(protocol: str | None) -> str:
    return f"with the {protocol} protocol" if protocol else "without a protocol"


def compare_values(
    before: Iterable[MeasureValue],
    after: Iterable[MeasureValue],
    mdc: Mapping[tuple[str, str], Mdc] | None = None,
) -> list[Change]:
    """One :class:`Change` per (protocol, measure, side, direction) seen in either session,
    in the order first seen (before's values first). ``mdc`` defaults to :func:`load_mdc`."""
    table = load_mdc() if mdc is None else mdc
    b, a = values_by_key(before), values_by_key(after)
    return [
        _change_one(b.get(kb) if kb else None, a.get(ka) if ka else None, table)
        for kb, ka in match_keys(list(b), list(a))
    ]


_K = TypeVar("_K", bound=tuple)


def match_keys(before: list[_K], after: list[_K]) -> list[tuple[_K | None, _K | None]]:
    """Pair the keys of two sessions (``(protocol, ...)`` tuples), in the order first seen:
    equal keys; then a key found in one session only with the one key of the other
    session that differs only by its protocol (a measure analysed under a protocol in one
    session and under none, or another, in the other is still the same measure: it is
    compared, not said "not recorded"); the rest alone.

    Examples
    --------
    >>> match_keys([("p", "m", "left"), ("p", "n", "left")], [("", "m", "left")])
    [(('p', 'm', 'left'), ('', 'm', 'left')), (('p', 'n', 'left'), None)]
    """
    in_a, in_b = set(after), set(before)
    only_b = [k for k in before if k not in in_a]
    only_a = [k for k in after if k not in in_b]

    def rest(k: _K) -> tuple:
        return tuple(k[1:])

    partner: dict[_K, _K] = {}
    for kb in only_b:
        same_b = [k for k in only_b if rest(k) == rest(kb)]
        same_a = [k for k in only_a if rest(k) == rest(kb)]
        if len(same_b) == 1 and len(same_a) == 1:
            partner[kb] = same_a[0]
    taken = set(partner.values())
    pairs: list[tuple[_K | None, _K | None]] = [
        (k, k if k in in_a else partner.get(k)) for k in before
    ]
    pairs += [(None, k) for k in only_a if k not in taken]
    return pairs


# --- asymmetry ------------------------------------------------------------------------


@dataclass(frozen=True)
class AsymmetryChange:
    """Right vs left before and after: symmetry index SI = (R - L) / (0.5 (R + L)) x 100
    (percent, positive = right larger) and R - L (degrees); None where not shown, and then
    ``before_note`` / ``after_note`` say why (:func:`side_difference`)."""

    protocol: str
    measure: str
    direction: str
    label: str
    before_right_deg: float | None
    before_left_deg: float | None
    after_right_deg: float | None
    after_left_deg: float | None
    before_si_pct: float | None
    after_si_pct: float | None
    before_diff_deg: float | None
    after_diff_deg: float | None
    #: why the difference before / after is not shown ("" when it is):
    #: :func:`side_difference`
    before_note: str = ""
    after_note: str = ""
    #: the 95 % band of R - L before / after (:func:`difference_noise95`; None when the
    #: difference is not shown or a side's uncertainty is unknown)
    before_noise95_deg: float | None = None
    after_noise95_deg: float | None = None

    def reading(self, when: str) -> str:
        """Whether the difference of session ``when`` ("before" or "after") is larger
        than its noise band, in words ("" when it is not shown or has no band)."""
        diff = getattr(self, f"{when}_diff_deg")
        band = getattr(self, f"{when}_noise95_deg")
        if diff is None or band is None:
            return ""
        return noise_words(abs(diff) > band, band)

    @property
    def notes(self) -> list[str]:
        """The reasons of the blank cells, each naming its session."""
        return [
            f"{when}: {n}"
            for when, n in (("before", self.before_note), ("after", self.after_note))
            if n
        ]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def headline(changes: Sequence[Change]) -> str:
    """The comparison's first sentence, in words, counting only what was judged: how many
    of the changes judged (``real`` or ``within noise``) were real, and how many measured
    in both sessions could not be judged. A change not judged is never counted as "no
    change" (its size may well exceed the noise: too few repetitions, another view).

    Examples
    --------
    >>> headline([])
    'No measure was measured in both sessions.'
    """
    measured = [c for c in changes if c.verdict != "missing"]
    judged = [c for c in measured if c.verdict in ("real", "within noise")]
    if not measured:
        return "No measure was measured in both sessions."
    if not judged:
        return (
            f"None of the {len(measured)} change(s) measured in both sessions could be "
            "judged against the measurement noise (see why in the table)."
        )
    n_real = sum(c.verdict == "real" for c in judged)
    first = (
        f"{n_real} of {len(judged)} judged change(s) exceeded the measurement noise."
        if n_real
        else f"None of the {len(judged)} judged change(s) exceeded the noise of these "
        "recordings and the published minimal detectable change."
    )
    n_not = len(measured) - len(judged)
    if not n_not:
        return first
    return (
        f"{first} {n_not} of the {len(measured)} measured in both sessions could not be "
        "judged (see why in the table)."
    )


#: The words of a value's ``status`` when it has no value (those of ``rom analyze``).
_NO_VALUE_WORDS = {**STATUS_WORDS, "measured": "no finite value"}
_ESTIMATE_WORDS = {"2d": "in 2D", "3d": "in 3D", "face": "from the face"}


def side_difference(
    right: MeasureValue | None,
    left: MeasureValue | None,
    who: tuple[str, str] = ("the right side", "the left side"),
) -> tuple[float | None, str]:
    """Right minus left of two values as shown (one decimal, degrees), or None and why
    in words: the one rule of when a right-left difference is shown, that of the
    ``results`` block of ``summary.json`` (:func:`rom.metrics.results.compute_results`,
    which ``rom analyze`` prints and ``rom batch`` writes) read back from the values, so
    that compare, the report and the dashboard show the same differences. ``who`` names
    the right and the left value (``None`` = not recorded in that session).

    Two values compare when both are reported, were read with the same kind of estimate
    (2D, 3D or face-based), the results did not flag them ``sides_not_comparable``
    (different views at the two peaks, or one oblique or side view:
    :func:`rom.metrics.view.sides_seen_alike`) and either both or neither were read in another
    view than their measure's (flag ``other_view``).

    Examples
    --------
    >>> r = MeasureValue("", "shoulder_abduction", "right", "positive", "abduction",
    ...                  estimate="3d", value_deg=79.8, flags=("other_view",))
    >>> l = MeasureValue("", "shoulder_abduction", "left", "positive", "abduction",
    ...                  estimate="3d", value_deg=105.9, flags=("other_view",))
    >>> side_difference(r, l)
    (-26.1, '')
    >>> side_difference(r, None)
    (None, 'the left side has no value (not recorded)')
    """
    pair = ((who[0], right), (who[1], left))
    missing = [
        (w, "not recorded" if v is None else _NO_VALUE_WORDS.get(v.status, v.status))
        for w, v in pair
        if v is None or not v.reported
    ]
    if len(missing) == 2:
        return None, "neither side has a value"
    if missing:
        return None, f"{missing[0][0]} has no value ({missing[0][1]})"
    assert right is not None and left is not None
    if right.estimate != left.estimate:
        name = _ESTIMATE_WORDS
        return None, (
            f"{who[0]} was read {name.get(right.estimate, right.estimate)}, "
            f"{who[1]} {name.get(left.estimate, left.estimate)}: values of different "
            "methods do not compare"
        )
    if right.other_view != left.other_view:
        w, v = (who[0], right) if right.other_view else (who[1], left)
        at = f" at {v.value_time_s:.1f} s" if v.value_time_s is not None else ""
        return None, (
            f"{w} was read{at} in another view than its measure's: not compared; film "
            "both from the view the measure needs"
        )
    if "sides_not_comparable" in right.flags or "sides_not_comparable" in left.flags:
        return None, (
            "the two sides were not seen alike (read from different views, or from one "
            "oblique or side view where one side is nearer the camera): not compared; film "
            "both from the front or back (or each side from its own side)"
        )
    return _diff(right.value_deg, left.value_deg), ""


def _pairs(values: Iterable[MeasureValue]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(protocol, measure, direction) -> {"label", "right", "left", "who"} from one
    session: the right and left :class:`MeasureValue` (an axial measure's turn to the
    right and to the left), compared by :func:`side_difference`."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in values:
        if v.kind != "rom":
            continue
        if v.side in ("left", "right"):
            e = out.setdefault((v.protocol, v.measure, v.direction), {"label": v.label})
            e[v.side] = v
        elif v.base_measure in DIRECTIONAL_ANGLES and v.direction in ("positive", "negative"):
            e = out.setdefault(
                (v.protocol, v.measure, "right_vs_left"),
                {"label": _axial_label(v.label)},
            )
            e["right" if v.direction == "positive" else "left"] = v
            base = _axial_label(v.label)
            e["right_who"], e["left_who"] = f"the {base} to the right", f"the {base} to the left"
    return out


def _axial_label(label: str) -> str:
    for suffix in (" to the right", " to the left"):
        label = label.removesuffix(suffix)
    return label


def _diff(r: float | None, left: float | None) -> float | None:
    """R - L of the values as shown (one decimal): the difference shown is always the
    difference of the values shown."""
    return round(round(r, 1) - round(left, 1), 1) if r is not None and left is not None else None


def _si(r: float | None, left: float | None) -> float | None:
    if r is None or left is None:
        return None
    si = symmetry_index(r, left)
    return None if math.isnan(si) else si


def _value(v: MeasureValue | None) -> float | None:
    return v.value_deg if v is not None and v.reported else None


def _session_asymmetry(
    e: Mapping[str, Any],
) -> tuple[float | None, float | None, str, float | None]:
    """(R - L, SI, why not, noise band) of one session's pair; ("", when shown). The band
    is :func:`difference_noise95`."""
    if not e:
        return None, None, "not recorded in this session", None
    who = (
        str(e.get("right_who") or "the right side"),
        str(e.get("left_who") or "the left side"),
    )
    right, left = e.get("right"), e.get("left")
    diff, why = side_difference(right, left, who)
    if diff is None or right is None or left is None:
        return None, None, why, None
    return diff, _si(_value(right), _value(left)), "", difference_noise95(right, left)


def difference_noise95(right: MeasureValue, left: MeasureValue) -> float | None:
    """The 95 % band (degrees) of a right-left difference: 1.96 x sqrt(u_R^2 + u_L^2),
    the combined standard uncertainty of a difference of two independent values (GUM,
    JCGM 100:2008, eq. 10), as ``rom analyze`` prints it
    (:func:`rom.metrics.results.compute_results`); None when a side's uncertainty is
    unknown.

    Examples
    --------
    >>> r = MeasureValue("", "m", "right", "positive", "x", value_deg=80.0, uncertainty_deg=19.0)
    >>> l = MeasureValue("", "m", "left", "positive", "x", value_deg=106.0, uncertainty_deg=28.0)
    >>> round(difference_noise95(r, l), 1)
    66.3
    """
    ur, ul = right.uncertainty_deg, left.uncertainty_deg
    if ur is None or ul is None:
        return None
    return 1.96 * difference_sd(ur, ul)


def compare_asymmetry(
    before: Iterable[MeasureValue], after: Iterable[MeasureValue]
) -> list[AsymmetryChange]:
    """Left/right asymmetry of every pair measured in either session, before and after:
    the difference shown by :func:`side_difference` (the one rule), with the reason in
    ``before_note`` / ``after_note`` wherever it is not shown."""
    b, a = _pairs(before), _pairs(after)
    out = []
    for kb, ka in match_keys(list(b), list(a)):
        key = kb or ka
        assert key is not None
        eb, ea = b.get(kb, {}) if kb else {}, a.get(ka, {}) if ka else {}
        db, sb, nb, ub = _session_asymmetry(eb)
        da, sa, na, ua = _session_asymmetry(ea)
        out.append(
            AsymmetryChange(
                protocol=key[0],
                measure=key[1],
                direction=key[2],
                label=str(eb.get("label") or ea.get("label") or key[2]),
                before_right_deg=_value(eb.get("right")),
                before_left_deg=_value(eb.get("left")),
                after_right_deg=_value(ea.get("right")),
                after_left_deg=_value(ea.get("left")),
                before_si_pct=sb,
                after_si_pct=sa,
                before_diff_deg=db,
                after_diff_deg=da,
                before_note=nb,
                after_note=na,
                before_noise95_deg=ub,
                after_noise95_deg=ua,
            )
        )
    return [
        r
        for r in out
        if any(x is not None for x in (r.before_si_pct, r.after_si_pct))
        or any(
            x is not None
            for x in (r.before_right_deg, r.before_left_deg, r.after_right_deg, r.after_left_deg)
        )
    ]


# --- progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """One measure over every session, in session order: the values (None = missing)
    and, from the second session on, the verdict of the change since the first;
    ``view_notes[i]`` is "" or the words of a value read in another view than its
    measure's (:func:`rom.metrics.measure_values.other_view_note`): such a value is
    shown marked, never as an ordinary number, and its change is not judged."""

    protocol: str
    measure: str
    side: str
    direction: str
    label: str
    values_deg: tuple[float | None, ...]
    verdicts: tuple[str, ...]
    view_notes: tuple[str, ...] = ()
    #: per session, a missing value's lower bound (its peak not seen), else None
    at_least_deg: tuple[float | None, ...] = ()

    @property
    def other_view(self) -> bool:
        """Whether any session's value was read in another view than the measure's."""
        return any(self.view_notes)

    def view_note(self, i: int) -> str:
        """ "" or the other-view words of the value of session ``i``."""
        return self.view_notes[i] if i < len(self.view_notes) else ""

    def at_least(self, i: int) -> float | None:
        """The lower bound of session ``i``'s missing value (peak not seen), or None."""
        return self.at_least_deg[i] if i < len(self.at_least_deg) else None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def progress(
    sessions: Sequence[Sequence[MeasureValue]],
    mdc: Mapping[tuple[str, str], Mdc] | None = None,
) -> list[ProgressRow]:
    """Each measure across ``sessions`` (oldest first); ``verdicts[0]`` is "" and
    ``verdicts[i]`` compares session ``i`` with the first session measured."""
    table = load_mdc() if mdc is None else mdc
    indexed = [values_by_key(s) for s in sessions]
    keys: list[tuple[str, str, str, str]] = []
    for idx in indexed:
        keys += [k for k in idx if k not in keys]
    rows = []
    for k in keys:
        vals = [idx.get(k) for idx in indexed]
        ref = next(v for v in vals if v is not None)
        nums = tuple(v.value_deg if v is not None and v.reported else None for v in vals)
        bounds = tuple(
            v.at_least_deg if v is not None and x is None and v.shown else None
            for v, x in zip(vals, nums)
        )
        views = tuple(
            other_view_note(v) if x is not None or b is not None else ""
            for v, x, b in zip(vals, nums, bounds)
        )
        first = next((i for i, x in enumerate(nums) if x is not None), None)
        verdicts: list[str] = []
        for i, v in enumerate(vals):
            if first is None or i <= first:
                verdicts.append("")
            else:
                verdicts.append(_change_one(vals[first], v, table).verdict)
        rows.append(
            ProgressRow(
                ref.protocol,
                ref.measure,
                ref.side,
                ref.direction,
                ref.label,
                nums,
                tuple(verdicts),
                views,
                bounds,
            )
        )
    return rows
