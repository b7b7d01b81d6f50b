"""The Streamlit dashboard (``rom app``): capture, results, compare, research.

Pages live in :mod:`rom.app.pages`; everything they show comes from the package
(:mod:`rom.pipeline`, :mod:`rom.app.data`). Install with the ``dashboard`` extra.
"""
