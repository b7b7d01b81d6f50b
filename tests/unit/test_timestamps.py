"""What time means when a clip's timestamps jump back, repeat or nearly repeat."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rom.pose.timestamps import MIN_STEP_INTERVALS, Timeline, repair_timestamps

IV = 1 / 30


def test_joined_chunks_keep_the_real_elapsed_time() -> None:
    """Two 2.5 s chunks each stamped from 1.4 s (as MPEG-TS muxers do), joined: 5 s."""
    chunk = [1.4 + i * IV for i in range(75)]
    t = repair_timestamps(chunk + chunk, nominal_interval_s=IV)
    assert np.all(np.diff(t) > 0.9 * IV)
    assert math.isclose(t[-1], 149 * IV, rel_tol=1e-9)


def test_frame_durations_set_the_step_across_a_break() -> None:
    raw = [0.0, 0.04, 0.08, 0.0, 0.04]
    t = repair_timestamps(raw, [0.04] * 5, nominal_interval_s=1 / 30)
    np.testing.assert_allclose(t, [0.0, 0.04, 0.08, 0.12, 0.16])


def test_duplicates_and_near_duplicates_are_spaced_one_frame_apart() -> None:
    tl = Timeline(IV)
    raw = [0.0, IV, IV, 2 * IV + 0.001, 3 * IV + 0.001, 3 * IV + 0.002]
    t = [tl.time(r) for r in raw]
    assert min(np.diff(t)) >= 0.9 * IV
    assert tl.counts["duplicates"] == 1 and tl.counts["near_duplicates"] == 1
    assert tl.n_repaired == 2
    assert "duplicate" in tl.warnings("clip.mp4")[0]


def test_variable_frame_rate_is_kept_exactly() -> None:
    """A phone's irregular but ordered timestamps, including a half-interval step, stay."""
    raw = [10.0, 10.033, 10.05, 10.1, 10.2, 10.21, 10.5]
    tl = Timeline(0.033)
    t = [tl.time(r) for r in raw]
    np.testing.assert_allclose(t, np.array(raw) - 10.0, atol=1e-12)
    assert tl.n_repaired == 0 and tl.warnings("x") == []


def test_forward_jump_is_kept_and_reported() -> None:
    tl = Timeline(IV)
    t = [tl.time(r) for r in [0.0, IV, 5.0, 5.0 + IV]]
    assert math.isclose(t[2], 5.0)
    assert tl.counts["forward_jumps"] == 1 and tl.n_repaired == 0
    (warning,) = tl.warnings("dvr.ts")
    assert "jump forward" in warning and "frame 2" in warning


def test_missing_timestamps_advance_by_one_frame() -> None:
    tl = Timeline(0.1)
    assert [round(tl.time(r), 6) for r in [None, None, 5.0, math.nan, 5.2]] == [
        0.0,
        0.1,
        0.2,
        0.3,
        0.4,
    ]
    assert tl.counts["missing"] == 3


def test_report_lists_the_first_events() -> None:
    tl = Timeline(IV)
    for r in [0.0, IV, 0.0, IV]:
        tl.time(r)
    rep = tl.report()
    assert rep["jumps_back"] == 1 and rep["repaired_frames"] == 1
    assert rep["first_events"][0]["frame"] == 2 and rep["first_events"][0]["kind"] == "jumps_back"


raw_times = st.lists(
    st.one_of(
        st.floats(-1e6, 1e6),
        st.none(),
        st.just(math.nan),
        st.just(math.inf),
        st.just(-math.inf),
    ),
    min_size=1,
    max_size=200,
)
durations = st.one_of(st.none(), st.floats(-1.0, 10.0), st.just(math.nan))


@settings(max_examples=300, deadline=None)
@given(raw=raw_times, data=st.data(), interval=st.floats(1e-4, 1.0))
def test_any_timestamps_give_a_finite_strictly_increasing_clock(
    raw: list[float | None], data: st.DataObject, interval: float
) -> None:
    d = data.draw(st.lists(durations, min_size=len(raw), max_size=len(raw)))
    t = repair_timestamps(raw, d, nominal_interval_s=interval)
    assert t.shape == (len(raw),) and t.dtype == np.float64
    assert t[0] == 0.0 and np.all(np.isfinite(t))
    # Never closer than a quarter interval: no velocity can explode between two frames.
    assert np.all(np.diff(t) >= MIN_STEP_INTERVALS * interval * (1 - 1e-9))


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(MIN_STEP_INTERVALS * 1.01, 30.0), min_size=1, max_size=100),
    start=st.floats(-1e4, 1e4),
)
def test_well_ordered_timestamps_are_left_as_they_are(steps: list[float], start: float) -> None:
    raw = start + np.concatenate([[0.0], np.cumsum(np.array(steps) * IV)])
    t = repair_timestamps(raw, nominal_interval_s=IV)
    np.testing.assert_allclose(t, raw - raw[0], atol=1e-6)


def test_warnings_name_the_first_event_of_each_kind_after_many_others() -> None:
    """25 forward jumps and then a jump back: only the first 20 events are listed in
    summary.json, but the warnings still name the first jump back (a webcam recording's
    analysis crashed with "generator raised StopIteration" looking for it in that list)."""
    tl = Timeline(IV)
    raw = [0.0]
    for _ in range(25):
        raw += [raw[-1] + 2.0]  # a forward jump each frame
    raw += [raw[-1] - 1.0]  # then one jump back
    for r in raw:
        tl.time(r)
    assert tl.counts["forward_jumps"] == 25 and tl.counts["jumps_back"] == 1
    assert len(tl.events) == 20
    broken, jumps = tl.warnings("webcam.mp4")
    assert "1 jump(s) back" in broken and f"first at frame {len(raw) - 1}" in broken
    assert "first by 2.0 s at frame 1" in jumps
