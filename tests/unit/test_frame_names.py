"""Image folders: frames in the order a person numbers them, gaps and mixed names reported."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rom.pose.frame_names import natural_key, number_frames


def test_unpadded_numbers_are_ordered_as_numbers() -> None:
    names = [f"{i}.jpg" for i in range(1, 151)]
    random.Random(0).shuffle(names)
    n = number_frames(names)
    assert n.names[:12] == tuple(f"{i}.jpg" for i in range(1, 13))
    assert n.steps == tuple(range(150)) and n.warnings == ()


def test_zero_padded_and_prefixed_names() -> None:
    n = number_frames(["IMG_0010.JPG", "IMG_0009.JPG", "IMG_0011.JPG"])
    assert n.names == ("IMG_0009.JPG", "IMG_0010.JPG", "IMG_0011.JPG")
    assert n.steps == (0, 1, 2) and n.warnings == ()


def test_gaps_leave_time_and_are_reported() -> None:
    n = number_frames(["frame_1.png", "frame_2.png", "frame_5.png", "frame_6.png", "frame_9.png"])
    assert n.steps == (0, 1, 4, 5, 8)
    (warning,) = n.warnings
    assert warning.startswith("4 frame numbers are missing") and "3-4, 7-8" in warning


def test_mixed_patterns_fall_back_to_natural_order_with_a_warning() -> None:
    n = number_frames(["b2.jpg", "a10.jpg", "a2.jpg", "cover.jpg"])
    assert n.names == ("a2.jpg", "a10.jpg", "b2.jpg", "cover.jpg")
    assert n.steps is None
    assert "do not follow one numbering pattern" in n.warnings[0]


def test_the_same_number_twice_is_reported() -> None:
    n = number_frames(["1.jpg", "01.jpg", "2.jpg"])
    assert n.steps is None and "frame number 1" in n.warnings[0]


def test_empty_folder() -> None:
    assert number_frames([]).names == ()


name = st.text(alphabet="ab_-.0123456789 éX", min_size=1, max_size=12).map(lambda s: s + ".jpg")


@settings(max_examples=300, deadline=None)
@given(names=st.lists(name, min_size=1, max_size=40, unique=True), seed=st.integers(0, 99))
def test_any_names_keep_every_file_whatever_the_order_given(names: list[str], seed: int) -> None:
    n = number_frames(names)
    shuffled = names[:]
    random.Random(seed).shuffle(shuffled)
    assert number_frames(shuffled).names == n.names  # the order is the names', not the input's
    assert sorted(n.names) == sorted(names)
    if n.steps is not None:
        assert len(n.steps) == len(names) and n.steps[0] == 0
        assert all(b > a for a, b in zip(n.steps, n.steps[1:]))
    else:
        assert n.warnings


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50, unique=True))
def test_natural_key_orders_numbers_by_value(numbers: list[int]) -> None:
    names = [f"f{i}.png" for i in numbers]
    assert sorted(names, key=natural_key) == [f"f{i}.png" for i in sorted(numbers)]
