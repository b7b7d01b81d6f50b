"""Pose extraction: a frame source in, the analysed person's :class:`PoseSequence` out.

Decoding runs in a background thread that fills a small bounded queue, so that on a
2-core machine FFmpeg decodes frame n+1 while MediaPipe infers frame n.

Until the analysed person is chosen, a multi-pose landmarker looks at whole frames; from
then on a single-pose landmarker looks only at a region around the person (faster, and a
bystander elsewhere in the frame cannot be picked). Every pose is checked against the
track (position, size, clothing colours); a frame without an accepted pose stays missing
(NaN), it is never filled with someone else. After a loss, the person counts as seen
again only once found in a few frames, and any pose with too few others around it in
time is dropped: an isolated detection (a skeleton on a title card, a flash frame) is not
the person.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rom.landmarks import N_LANDMARKS
from rom.pose.landmarker import Landmarker, LandmarkerPair, RawPose
from rom.pose.sources import Frame, FrameSource
from rom.pose.tracking import (
    PersonChoice,
    Track,
    appearance,
    body_box,
    choose_person,
    crop_box,
    distinct,
    initial_score,
    is_consistent,
    is_same_person,
    mask_others,
    sustained_sightings,
    torso_centre,
    torso_size,
    update_track,
)
from rom.sequence import PoseSequence

#: Poses looked for while choosing the person.
SEARCH_POSES = 4


@dataclass(frozen=True)
class ExtractSettings:
    """Settings of the extraction stage (all plain values; resolved once by the caller)."""

    person: PersonChoice | None = None
    #: MediaPipe's default is 0.5; lower finds people seen from behind or far away
    #: (false finds are rejected by the track's checks)
    min_detection_confidence: float = 0.3
    #: people are looked for during this long after the first one is seen (s)
    search_window_s: float = 0.25
    min_tracking_confidence: float = 0.5
    crop_margin: float = 0.25
    max_appearance_distance: float = 0.6
    #: the multi-pose rescue pass runs only while the person was seen this recently (s)
    rescue_within_s: float = 0.5
    #: a frame this long (s) or more after the one analysed before, in which the
    #: single-pose tracker found nobody, gets the rescue pass too (a live preview's
    #: frames far apart)
    relook_after_s: float = 0.1
    #: a track younger than this many accepted poses restarts from a pose it rejected in
    #: this many consecutive frames at the person's place (a bad first pose)
    reseed_within_n: int = 10
    reseed_after_frames: int = 3
    #: after a loss of at least this long (s), the person counts as seen again only once
    #: found in ``confirm_frames`` frames before missing in as many: an isolated detection
    #: (a skeleton found on a title card's text, a flash frame) is not them, while a
    #: person MediaPipe finds only every other frame (small, backlit) is. The person is
    #: first chosen only once seen in ``start_sightings`` frames of the search window.
    #: Both rules count consecutive frames of a clip: a live preview that analyses only
    #: the newest frame at whatever rate the machine manages turns them off
    #: (``confirm_after_s=math.inf``, ``start_sightings=1``).
    confirm_after_s: float = 0.25
    confirm_frames: int = 3
    start_sightings: int = 2
    #: a pose counts as seeing the person only when they are found in at least this many
    #: frames (and 40 %) of the 0.25 s around it (rom.pose.tracking.sustained_sightings);
    #: 1 turns this off
    min_sighting_frames: int = 3
    #: a person lost for this long (s), and not found in the frame analysed before, is
    #: forgotten and looked for again as at the start (the choice ``person`` applies
    #: again; a pause in a live analysis is not a loss). A clip keeps the track (math.inf: a
    #: bystander must never take over); a live preview restarts, so that a client who
    #: stepped out, or whose lighting changed, is found again when back in view
    restart_after_s: float = math.inf
    queue_frames: int = 8


class _Prefetch:
    """Iterates a source in a daemon thread through a bounded queue (decode ahead)."""

    _END = object()

    def __init__(self, source: FrameSource, maxsize: int) -> None:
        self._q: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(source,), daemon=True)
        self._thread.start()

    def _run(self, source: FrameSource) -> None:
        try:
            for frame in source:
                while not self._stop.is_set():
                    try:
                        self._q.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self._error = exc
        finally:
            self._q.put(self._END)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._q.get()
            if item is self._END:
                if self._error is not None:
                    raise self._error
                return
            yield item  # type: ignore[misc]

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._q.get(timeout=0.05)
            except queue.Empty:
                pass


def _to_pixels(pose: RawPose, box: tuple[int, int, int, int]) -> np.ndarray:
    """(33, 3) landmarks of a pose found in crop ``box`` in full-frame pixels."""
    x0, y0, x1, y1 = box
    cw, ch = x1 - x0, y1 - y0
    out = np.empty((N_LANDMARKS, 3), np.float32)
    out[:, 0] = x0 + pose.image[:, 0] * cw
    out[:, 1] = y0 + pose.image[:, 1] * ch
    out[:, 2] = pose.image[:, 2] * cw
    return out


def _detect_in_crop(
    landmarker: Landmarker,
    frame: Frame,
    box: tuple[int, int, int, int],
    others_px: list[np.ndarray] | None = None,
    keep_px: np.ndarray | None = None,
) -> list[tuple[np.ndarray, RawPose]]:
    x0, y0, x1, y1 = box
    crop = frame.rgb[y0:y1, x0:x1]
    # MediaPipe reads tightly packed rows: a copy (mask_others returns one)
    if others_px and keep_px is not None:
        crop = mask_others(crop, (x0, y0), others_px, keep_px)
    else:
        crop = np.ascontiguousarray(crop)
    return [(_to_pixels(p, box), p) for p in landmarker.detect(crop, frame.time_s)]


Candidate = tuple[np.ndarray, RawPose]  # (33, 3) pixels, the raw pose


def _near_any(xy_px: np.ndarray, others_px: list[np.ndarray]) -> bool:
    """Whether a pose is where a rejected pose of the same frame is: then it is most
    likely that other person again, seen twice, and is not accepted either."""
    size = torso_size(xy_px)
    c = torso_centre(xy_px)
    return any(np.linalg.norm(torso_centre(o) - c) < 0.3 * size for o in others_px)


def _inside(point: np.ndarray, box: np.ndarray) -> bool:
    return bool(box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3])


#: People count as seen together when seen together in at least this fraction of the
#: frames where anyone was seen (and in 3 frames): MediaPipe's multi-pose search finds
#: passing ghosts (a second skeleton on a tree, a doubled skeleton) in up to a fifth of
#: the frames of a one-person clip; two people in view are found together in a third or
#: more (measured on the sample and shared clips).
SEEN_TOGETHER_FRACTION = 0.25


def people_seen(counts: Sequence[int], fraction: float = SEEN_TOGETHER_FRACTION) -> int:
    """The most people seen at once in at least ``fraction`` of the frames where anyone
    was seen (and in 3 of them, or all in a shorter clip), from the number of distinct
    people found in each frame: a false detection now and then does not count as a person.

    >>> people_seen([1, 1, 4, 1, 2, 2, 2, 1, 1, 1, 1, 1, 0])
    2
    """
    seen = sorted((c for c in counts if c > 0), reverse=True)
    if not seen:
        return 0
    need = max(min(3, len(seen)), math.ceil(fraction * len(seen)))
    return int(seen[need - 1])


def distinct_people(candidates: Sequence[Candidate]) -> int:
    """How many different people ``candidates`` (one frame's poses) are
    (:func:`rom.pose.tracking.distinct`)."""
    return len(distinct([(xyz[:, :2], p.visibility) for xyz, p in candidates]))


def _seen_steadily(cand: Candidate, window: list[list[Candidate]], share: float = 0.5) -> bool:
    """Whether a pose is found at about its place (within 0.5 of its torso size, size
    within 40 %) in at least ``share`` of the window's frames where anyone was seen (and
    two of them): the frames before the first sighting do not count against it (they
    kept a person chosen by index from starting where the default started)."""
    xy = cand[0][:, :2]
    seen = [frame for frame in window if frame]
    hits = sum(
        any(is_consistent(xy, other[:, :2], max_shift_sizes=0.5) for other, _ in frame)
        for frame in seen
    )
    return hits >= max(2, math.ceil(share * len(seen))) or len(seen) == 1


def _body_pose(candidates: list[Candidate], pick: int, frame_size_px: tuple[int, int]) -> int:
    """The pose the default look takes for the body of ``candidates[pick]``: among the
    poses found on that body (MediaPipe's multi-pose search sometimes returns one person
    twice, :func:`rom.pose.tracking.distinct`), the largest and most central. So a person
    named by index or by a pixel starts from the very pose the default would start from."""
    xy = candidates[pick][0][:, :2]
    size = torso_size(xy)
    same = [
        j
        for j, (c, _) in enumerate(candidates)
        if np.linalg.norm(torso_centre(c[:, :2]) - torso_centre(xy))
        < 0.75 * min(size, torso_size(c[:, :2]))
    ]
    return max(
        same,
        key=lambda j: initial_score(
            candidates[j][0][:, :2], candidates[j][1].visibility, frame_size_px
        ),
    )


def resolve_start(
    window: list[list[Candidate]],
    frame_size_px: tuple[int, int],
    choice: PersonChoice | None,
) -> list[Candidate | None] | None:
    """Pick the analysed person in the search window (frames x candidates) and follow
    them through the window's frames by position; None if the choice is not met yet.

    The person is chosen in the frame where the most people are seen (the earliest of
    those), so that someone found a few frames late still competes. One path for every
    choice: the choice (by index or pixel) only names a body; the pose taken for it, and
    the frames it is followed through, are those the default look takes for that body,
    so naming the person the default picks gives the default's track.
    """
    counts = [len(c) for c in window]
    order = sorted(range(len(window)), key=lambda i: (-counts[i], i))
    for k in order:
        if not window[k]:
            return None
        candidates = window[k]
        named = candidates
        if choice is not None and choice.index is not None:
            # people are counted among the poses found again at their place in most of
            # the window's frames: a skeleton found once on a wall or a tree is no one
            named = [c for c in candidates if _seen_steadily(c, window)]
            if not named:
                continue
        pick = choose_person([(c[:, :2], p.visibility) for c, p in named], frame_size_px, choice)
        if pick is None:
            continue
        at = next(j for j, c in enumerate(candidates) if c is named[pick])
        pick = _body_pose(candidates, at, frame_size_px)
        chosen: list[Candidate | None] = [None] * len(window)
        chosen[k] = candidates[pick]
        for step in (-1, 1):
            ref = chosen[k]
            i = k + step
            while 0 <= i < len(window) and ref is not None:
                near = [
                    (float(np.linalg.norm(torso_centre(c[:, :2]) - torso_centre(ref[0][:, :2]))), j)
                    for j, (c, _) in enumerate(window[i])
                ]
                best = min(near, default=None)
                if best is not None and best[0] < 0.75 * torso_size(ref[0][:, :2]):
                    chosen[i] = window[i][best[1]]
                    ref = chosen[i]
                i += step
        return chosen
    return None


def _options(settings: ExtractSettings) -> tuple[int, float, float]:
    return SEARCH_POSES, settings.min_detection_confidence, settings.min_tracking_confidence


def open_landmarkers(
    model_path: str | Path, settings: ExtractSettings = ExtractSettings()
) -> LandmarkerPair:
    """The landmarkers :func:`extract_poses` needs, loaded once: pass them as ``model``
    to analyse many clips without loading the model for each (close them when done)."""
    n, det, trk = _options(settings)
    return LandmarkerPair(
        model_path, num_poses=n, min_detection_confidence=det, min_tracking_confidence=trk
    )


def extract_poses(
    source: FrameSource,
    model: str | Path | LandmarkerPair,
    *,
    settings: ExtractSettings = ExtractSettings(),
    on_frame: Callable[[int], None] | None = None,
    on_pose: Callable[[Frame, Candidate | None], None] | None = None,
    model_meta: dict[str, object] | None = None,
) -> PoseSequence:
    """Track the analysed person through ``source``; one row per decoded frame.

    ``model`` is a model file (loaded for this clip) or landmarkers from
    :func:`open_landmarkers` (reused; restarted here, so results do not depend on the
    clips they saw before).

    ``on_frame(i)`` is called after each frame (progress bars). ``on_pose(frame, pose)``
    is called after each frame with the pose accepted for it so far (landmarks (33, 3) in
    pixels and the raw pose) or None: the live camera view draws it (poses of the first
    frames, while the person is being chosen, arrive as None). If decoding fails part
    way, the frames decoded so far are returned and ``source.error`` says why.
    """
    info = source.info
    size = (info.width_px, info.height_px)
    full = (0, 0, size[0], size[1])
    accepted: list[Candidate | None] = []
    times: list[float] = []

    track: Track | None = None
    window: list[list[Candidate]] = []  # search phase: candidates per frame
    window_start = 0  # index in `accepted` of the window's first frame
    first_seen_s: float | None = None
    others: list[np.ndarray] = []  # boxes of bystanders MediaPipe locked onto last frame
    streak: list[Candidate] = []  # steady poses a young track keeps rejecting
    last_rescue_s = -np.inf
    pending: list[int] = []  # frames seen again after a loss, not confirmed yet
    pending_misses = 0  # frames without the person since the re-sighting began
    before_pending: Track | None = None
    nominal_interval_s = 1.0 / info.fps if info.fps else 0.0
    last_frame: Frame | None = None
    seen_counts: list[int] = []  # people seen in each frame while looking for the person

    own = not isinstance(model, LandmarkerPair)
    if isinstance(model, LandmarkerPair) and model.options != _options(settings):
        raise ValueError(
            f"landmarkers opened with {model.options}, settings ask {_options(settings)}"
        )
    # A file's first frames are decoded while the model loads; a live source starts
    # only once the model is ready, so that its first frames are not queued stale.
    early = info.kind in ("file", "images")
    prefetch = _Prefetch(source, settings.queue_frames) if early else None
    try:
        pair = model if isinstance(model, LandmarkerPair) else open_landmarkers(model, settings)
        pair.restart()
    except BaseException:
        if prefetch is not None:
            prefetch.close()
        raise
    if prefetch is None:
        prefetch = _Prefetch(source, settings.queue_frames)
    search = pair.search
    single: Landmarker | None = None

    def start_track(frame: Frame, *, last_chance: bool = False) -> Track | None:
        """Resolve the search window; on success fill its frames and return the track.
        The person must be found in two of its frames (any, on the clip's last chance)."""
        nonlocal single
        chosen = resolve_start(window, size, settings.person)
        if chosen is None:
            return None
        if not last_chance and sum(c is not None for c in chosen) < min(
            settings.start_sightings, len(chosen)
        ):
            return None  # an isolated detection: wait for the person to be seen again
        single = pair.single()
        accepted[window_start:] = chosen
        last_i = max(i for i, c in enumerate(chosen) if c is not None)
        xyz, p = chosen[last_i]  # type: ignore[misc]
        seen_s = times[window_start + last_i]
        hist = None
        if last_i == len(chosen) - 1:
            # A whole-frame pose of a small person is coarse: look again at the region
            # around them and start the track from that closer look, if it agrees.
            t = Track(xyz[:, :2], p.visibility, seen_s, torso_size(xyz[:, :2]))
            closer = _detect_in_crop(single, frame, crop_box(t, size, frame.time_s))
            if closer and is_consistent(xyz[:, :2], closer[0][0][:, :2]):
                accepted[-1] = closer[0]
                xyz, p = closer[0]
            hist = appearance(frame.rgb, xyz[:, :2])
        return update_track(None, xyz[:, :2], p.visibility, seen_s, hist)

    try:
        for frame in prefetch:
            # The rules that tell a loss from the next frame compare the time since the
            # person was last seen with the time since the previous frame analysed, not
            # the header's nominal rate: a webcam recording or a live preview analyses
            # frames at whatever rate the machine and camera manage.
            frame_interval_s = (
                frame.time_s - last_frame.time_s if last_frame is not None else nominal_interval_s
            )
            last_frame = frame
            times.append(frame.time_s)
            if (
                track is not None
                and frame.time_s - track.time_s >= settings.restart_after_s
                and accepted[-1] is None
            ):
                # Lost for that long, and not seen in the frame before: not a pause in
                # the analysis (a busy machine's live preview may analyse nothing for
                # seconds) but the person gone; look for them afresh.
                for k in pending:  # an unconfirmed re-sighting is not kept
                    accepted[k] = None
                track, pending, streak, others = None, [], [], []
                window, window_start, first_seen_s = [], len(accepted), None
            if track is None:
                cands = [(_to_pixels(p, full), p) for p in search.detect(frame.rgb, frame.time_s)]
                seen_counts.append(distinct_people(cands))
                window.append(cands)
                accepted.append(None)
                if cands and first_seen_s is None:
                    first_seen_s = frame.time_s
                if (
                    first_seen_s is not None
                    and frame.time_s - first_seen_s >= settings.search_window_s
                ):
                    track = start_track(frame)
                    if track is None:  # choice not met yet: slide the window on
                        window_start += len(window) - 1
                        window = window[-1:]
                        first_seen_s = frame.time_s if window[0] else None
            else:
                box = crop_box(track, size, frame.time_s, margin=settings.crop_margin)
                keep = body_box(track.xy_px, track.visibility)
                found = None
                rejected: list[np.ndarray] = []
                # The single-pose landmarker first (fast); when it returns someone else,
                # or nobody in a frame far from the one before (it starts from the
                # person's place in the frame before, and loses them when the picture
                # moved a lot: a live preview's frames far apart, a shaking camera), the
                # multi-pose one, which runs its person detector on every frame, looks
                # at the same region for the analysed person. Between a clip's close
                # frames, nobody found stays nobody: MediaPipe's tracker drops a pose
                # it is unsure of (an arm leaving the image), and a second look there
                # would accept a guess.
                assert single is not None
                # The second look runs on every frame while the person was just seen; once
                # the person has been gone a while it runs twice a second only, so that a
                # long absence does not slow every frame down.
                fresh = frame.time_s - track.time_s <= settings.rescue_within_s
                rescue = fresh or frame.time_s - last_rescue_s >= 0.5
                passes = ((single, others), (search, None)) if rescue else ((single, others),)
                single_poses: list[Candidate] = []
                for landmarker, mask in passes:
                    if landmarker is search:
                        last_rescue_s = frame.time_s
                    poses = _detect_in_crop(landmarker, frame, box, mask, keep)
                    if landmarker is single:
                        single_poses = poses
                    for xyz, p in poses:
                        hist = appearance(frame.rgb, xyz[:, :2])
                        if (
                            found is None
                            and not _near_any(xyz[:, :2], rejected)
                            and is_same_person(
                                track,
                                xyz[:, :2],
                                hist,
                                frame.time_s,
                                max_appearance_distance=settings.max_appearance_distance,
                                frame_interval_s=frame_interval_s,
                            )
                        ):
                            found = (xyz, p, hist)
                        else:
                            rejected.append(xyz[:, :2])
                    if landmarker is single:
                        others = [body_box(xy, np.ones(len(xy))) for xy in rejected]
                    if found is not None or (
                        not rejected and frame_interval_s < settings.relook_after_s
                    ):
                        break
                if found is not None:
                    xyz, p, hist = found
                    lost_s = frame.time_s - track.time_s
                    if pending:
                        pending.append(len(accepted))
                    elif lost_s >= settings.confirm_after_s and lost_s > 1.5 * frame_interval_s:
                        before_pending, pending, pending_misses = track, [len(accepted)], 0
                    track = update_track(track, xyz[:, :2], p.visibility, frame.time_s, hist)
                    accepted.append((xyz, p))
                    if len(pending) >= settings.confirm_frames:
                        pending = []  # seen again for good
                    streak = []
                else:
                    pending_misses += 1
                    if pending and pending_misses >= settings.confirm_frames:
                        # seen again too briefly after a loss: not them after all
                        for k in pending:
                            accepted[k] = None
                        assert before_pending is not None
                        track, pending = before_pending, []
                    # A young track may have started from a bad pose (coarse, or two
                    # people mixed) and then rejects the person: when the landmarker keeps
                    # returning one steady body where the person was, restart from it.
                    steady = (
                        track.n_accepted < settings.reseed_within_n
                        and len(single_poses) == 1
                        and _inside(torso_centre(single_poses[0][0][:, :2]), keep)
                        and (
                            not streak
                            or is_consistent(streak[-1][0][:, :2], single_poses[0][0][:, :2])
                        )
                    )
                    if steady:
                        streak = [*streak, single_poses[0]]
                    elif single_poses:  # a frame with nobody does not break the streak
                        streak = []
                    if len(streak) >= settings.reseed_after_frames:
                        xyz, p = streak[-1]
                        hist = appearance(frame.rgb, xyz[:, :2])
                        track = update_track(None, xyz[:, :2], p.visibility, frame.time_s, hist)
                        accepted.append((xyz, p))
                        streak = []
                    else:
                        accepted.append(None)
            if on_frame is not None:
                on_frame(frame.index)
            if on_pose is not None:
                on_pose(frame, accepted[-1])
        if track is None and window and last_frame is not None:
            # short clip: the whole clip was the search window
            start_track(last_frame, last_chance=True)
    except KeyboardInterrupt:
        pass  # live camera: Ctrl-C ends the recording, what was seen is kept
    finally:
        prefetch.close()
        if own:
            pair.close()

    for k in pending:  # the clip ended before a re-sighting was confirmed
        accepted[k] = None
    accepted = accepted[: len(times)]
    keep = sustained_sightings(
        np.array([a is not None for a in accepted], bool),
        np.asarray(times, float),
        min_frames=settings.min_sighting_frames,
    )
    accepted = [a if k else None for a, k in zip(accepted, keep)]
    source_meta = source.meta()
    source_meta["people_seen"] = people_seen(seen_counts)
    return _to_sequence(accepted, times, size, source_meta, dict(model_meta or {}))


def _to_sequence(
    accepted: list[Candidate | None],
    times: list[float],
    size: tuple[int, int],
    source_meta: dict[str, object],
    model_meta: dict[str, object],
) -> PoseSequence:
    seq = PoseSequence.empty(
        len(times), size, np.asarray(times, float), source=source_meta, model=model_meta
    )
    for i, item in enumerate(accepted):
        if item is not None:
            xyz, p = item
            seq.image_xyz[i] = xyz
            seq.world_xyz[i] = p.world
            seq.visibility[i] = p.visibility
            seq.presence[i] = p.presence
    return seq
