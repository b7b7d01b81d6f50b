"""Angle time series as Parquet: one row per frame, ``time_s`` then one column per angle
in degrees (the columns of ``angles.csv``), NaN where not measured. Kept beside the
database so that plots can be redrawn without the video."""

from __future__ import annotations

import io

import numpy as np

from rom.metrics.series import AngleSeries

__all__ = ["series_from_parquet", "series_to_parquet"]


def series_to_parquet(angles: AngleSeries) -> bytes:
    """Parquet bytes of ``angles`` (float64, zstd-compressed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {"time_s": pa.array(np.asarray(angles.time_s, dtype=np.float64))}
    for i, name in enumerate(angles.names):
        cols[name] = pa.array(np.asarray(angles.values_deg[:, i], dtype=np.float64))
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression="zstd")
    return buf.getvalue()


def series_from_parquet(source: bytes | str) -> AngleSeries:
    """Read a series written by :func:`series_to_parquet` (bytes or a file path)."""
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(source) if isinstance(source, bytes) else source)
    names = [n for n in table.column_names if n != "time_s"]
    time_s = table.column("time_s").to_numpy()
    values = (
        np.column_stack([table.column(n).to_numpy(zero_copy_only=False) for n in names])
        if names
        else np.empty((len(time_s), 0))
    )
    return AngleSeries(np.asarray(time_s, float), tuple(names), values.astype(float))
