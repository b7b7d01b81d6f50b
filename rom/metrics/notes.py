"""The quality notes of a table of values, each said once.

A value's notes (:func:`value_notes`) are the reason it has no number, the plane the limb
moved in, its quality flags in words and its warnings (``docs/results.md``), a flag left
out when a sentence of the same value already says it. Over a table of values
(:func:`table_notes`) a note that every row shares (the client did not start still, a
gap in the tracking), or that the clip's own warnings already say, is said once above the
table; a note several rows share is numbered and those rows say "see note N"; a row's
Quality cell keeps what is its own. The dashboard's results table and the report's
recording tables both use these (one wording, one rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["FLAG_WORDS", "TableNotes", "flag_words", "table_notes", "value_notes"]

#: Quality flags of ``docs/results.md`` in words (an unknown flag is shown as is).
FLAG_WORDS = {
    "view_not_supported": "the camera view does not support this measure",
    "too_few_frames": "measured in too few frames",
    "peak_not_seen": "the peak happened out of view",
    "moved_in_another_plane": "the limb moved in another plane",
    "between_planes": "the limb moved between two planes",
    "beyond_anatomical_range": "beyond the anatomical range: check the footage",
    "peak_at_edge": "peak at the start or end of the clip: it may be cut off",
    "peak_near_gap": "peak next to frames without a value: the client may have moved further",
    "no_neutral": "no still start: measured from the anatomical zero",
    "low_visibility": "the joint was hard to see at the peak",
    "no_still_period": "no still period long enough for a posture value",
    "other_view": "read in another view than the measure's (see the time and view)",
    "sides_not_comparable": "the other side was read from another view or method: not compared",
    "not_in_image": "measured only while a body part it needs was out of the image",
    "at_rest": "the limb was not raised this way",
}

#: Flags that say why a value is missing: its reason says it in full.
_REASON_FLAGS = frozenset(
    {"view_not_supported", "too_few_frames", "peak_not_seen", "moved_in_another_plane"}
    | {"no_still_period", "at_rest"}
)

#: Flags whose sentence among the value's warnings says the same at more length, found
#: by these words (the sentences of :mod:`rom.metrics.rom_summary` and
#: :mod:`rom.metrics.results`).
FLAG_SAID_BY = {
    "no_neutral": "no still neutral pose",
    "peak_at_edge": "peak at the start or end of the clip",
    "peak_near_gap": "peak next to frames without a value",
    "beyond_anatomical_range": "is beyond what a",
    "between_planes": "was raised in",
    "other_view": "most of the clip is filmed",
}

#: The Quality cell of a row without any note, and of one whose notes are all above.
NO_NOTE = "ok"
NOTES_ABOVE = "—"


def flag_words(flag: str) -> str:
    """A quality flag in words."""
    return FLAG_WORDS.get(flag, flag.replace("_", " "))


def value_notes(
    *,
    reason: str | None,
    flags: Iterable[str] = (),
    warnings: Iterable[str] = (),
    moved_in: str | None = None,
    label: str | None = None,
) -> list[str]:
    """One value's notes as sentences, in order: the reason it has no number, the plane
    it moved in (when not the direction's ``label``), its flags in words and its
    warnings; each once, and a flag left out when the reason (a missing value's flags)
    or a warning (:data:`FLAG_SAID_BY`) already says it.

    Examples
    --------
    >>> value_notes(reason=None, flags=["no_neutral", "low_visibility"],
    ...             warnings=["no still neutral pose in the first 1 s: peaks are ..."])
    ['the joint was hard to see at the peak', 'no still neutral pose in the first 1 s: peaks are ...']
    """
    said = [str(w) for w in warnings]
    out: list[str] = []
    if reason:
        out.append(str(reason))
    if moved_in and moved_in != label:
        out.append(f"moved in: {moved_in}")
    for flag in flags:
        flag = str(flag)
        if reason and flag in _REASON_FLAGS:
            continue
        if flag in FLAG_SAID_BY and any(FLAG_SAID_BY[flag] in w for w in said):
            continue
        out.append(flag_words(flag))
    out += said
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class TableNotes:
    """The notes of a table of values, each said once.

    general : said once above the table: the clip's warnings, then the notes every row
        shares
    numbered : notes several (not all) rows share; note N is ``numbered[N - 1]``
    cells : one Quality cell per row: its own notes and "see note N", joined by "; ";
        :data:`NO_NOTE` when the row had no note, :data:`NOTES_ABOVE` when all its notes
        are in ``general``
    """

    general: list[str]
    numbered: list[str]
    cells: list[str]


def table_notes(
    row_notes: Sequence[Sequence[str]], clip_warnings: Sequence[str] = ()
) -> TableNotes:
    """Split the notes of a table's rows (each row's from :func:`value_notes`) into what
    is said once above the table and what each row's Quality cell says (see
    :class:`TableNotes`). A note equal to one of the clip's warnings is left to that
    warning; with two rows or more, a note every row has is general and one that two or
    more rows have is numbered, in the order first met.

    Examples
    --------
    >>> t = table_notes([["no still start", "gap"], ["no still start", "gap"],
    ...                  ["no still start", "too oblique"]])
    >>> t.general, t.numbered, t.cells
    (['no still start'], ['gap'], ['see note 1', 'see note 1', 'too oblique'])
    """
    rows = [list(dict.fromkeys(str(n) for n in notes)) for notes in row_notes]
    general = list(dict.fromkeys(str(w) for w in clip_warnings))
    counts: dict[str, int] = {}
    for notes in rows:
        for n in notes:
            counts[n] = counts.get(n, 0) + 1
    numbered: list[str] = []
    for notes in rows:
        for n in notes:
            if n in general or n in numbered:
                continue
            if len(rows) >= 2 and counts[n] == len(rows):
                general.append(n)
            elif counts[n] >= 2:
                numbered.append(n)
    cells = []
    for notes in rows:
        own = [n for n in notes if n not in general and n not in numbered]
        refs = [numbered.index(n) + 1 for n in notes if n in numbered]
        if refs:
            word = "note" if len(refs) == 1 else "notes"
            own.append(f"see {word} {', '.join(str(i) for i in refs)}")
        cells.append("; ".join(own) if own else (NOTES_ABOVE if notes else NO_NOTE))
    return TableNotes(general=general, numbered=numbered, cells=cells)
