"""The row median used by the Hampel filter equals NumPy's nanmedian, value for value."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rom.metrics.filtering import nanmedian_rows

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.just(np.nan),
)


@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 15)), elements=values))
@settings(max_examples=500, deadline=None)
def test_nanmedian_rows_equals_numpy(a: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(a, axis=1)
    np.testing.assert_array_equal(nanmedian_rows(a), expected)
