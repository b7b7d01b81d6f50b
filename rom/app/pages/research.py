"""Research: browse a batch run's output folder or the database as one filterable table,
with the distribution of each measure.

A batch folder (``rom batch ... --out DIR``) holds ``results.parquet`` (or
``results.csv``; one row per clip, measure, direction and statistic) and ``errors.csv``
(the clips that failed, with their reasons). The database view is every stored value,
one row per client, session, recording, measure, side and direction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from rom.app import charts, data, ui
from rom.app.research_data import (
    CATEGORY_COLUMNS,
    MAIN_STATISTICS,
    filter_frame,
    read_batch_folder,
    value_column,
)


def render() -> None:
    st.title("Research")
    source = st.radio(
        "Source", ["Database", "Batch output folder"], horizontal=True, key="research-source"
    )
    errors = None
    if source == "Database":
        frame = data.export_frame()
        where = "the database"
    else:
        folder = st.text_input(
            "Folder written by `rom batch --out`", key="research-folder", placeholder="/path/to/run"
        )
        if not folder:
            st.info("Give the folder a `rom batch` run wrote (it holds results.parquet).")
            return
        try:
            frame, errors = read_batch_folder(Path(folder).expanduser())
        except Exception as exc:  # noqa: BLE001 - shown, the page goes on
            st.error(ui.error_text(exc))
            return
        where = folder
    if frame.empty:
        st.info(f"No results in {where} yet.")
        return
    filtered = filters(frame)
    st.caption(f"{len(filtered)} of {len(frame)} rows from {where}")
    st.dataframe(filtered, hide_index=True, key="research-table")
    st.download_button(
        "Download these rows (CSV)",
        filtered.to_csv(index=False),
        file_name="rom_results_filtered.csv",
        mime="text/csv",
    )
    distributions(filtered)
    if errors is not None and not errors.empty:
        st.markdown(f"#### Clips that failed ({len(errors)})")
        st.dataframe(errors, hide_index=True, key="research-errors")


def filters(frame: Any) -> Any:
    chosen: dict[str, list[str]] = {}
    options = {
        c: sorted(str(v) for v in frame[c].dropna().unique())
        for c in CATEGORY_COLUMNS
        if c in frame.columns
    }
    present = [c for c, opts in options.items() if len(opts) >= 2]  # a choice to make
    cols = st.columns(min(max(len(present), 1), 4))
    for i, name in enumerate(present):
        chosen[name] = cols[i % len(cols)].multiselect(
            name.replace("_", " ").capitalize(), options[name], key=f"research-filter-{name}"
        )
    if "statistic" in frame.columns:
        stats = sorted(str(v) for v in frame["statistic"].dropna().unique())
        if stats:
            default = next((s for s in MAIN_STATISTICS if s in stats), stats[0])
            chosen["statistic"] = [
                st.selectbox(
                    "Statistic", stats, index=stats.index(default), key="research-statistic"
                )
            ]
    text = st.text_input("Search (any text column)", key="research-search")
    return filter_frame(frame, chosen, text)


def distributions(frame: Any) -> None:
    value = value_column(frame)
    if value is None or "measure" not in frame.columns:
        return
    st.markdown("#### Distributions")
    measures = sorted(str(m) for m in frame["measure"].dropna().unique())
    if not measures:
        return
    measure = st.selectbox(
        "Measure", measures, format_func=charts.measure_title, key="research-measure"
    )
    sub = frame[frame["measure"].astype(str) == measure]
    keys = [c for c in ("side", "label") if c in sub.columns] or [
        c for c in ("side", "direction") if c in sub.columns
    ]
    groups = sub[keys].astype(str).agg(" ".join, axis=1) if keys else [measure] * len(sub)
    st.plotly_chart(
        charts.distribution_figure(
            sub[value].astype(float).tolist(),
            list(groups),
            title=charts.measure_title(measure),
            x_title=axis_title(sub, value),
        ),
        key="research-dist",
    )


def axis_title(frame: Any, value: str) -> str:
    """``value (deg)``: the unit from a ``unit`` column when the rows share one."""
    units = sorted(str(u) for u in frame["unit"].dropna().unique()) if "unit" in frame else []
    if len(units) == 1:
        return f"{value} ({units[0]})"
    return f"{value} (deg)" if value.endswith("_deg") else value
