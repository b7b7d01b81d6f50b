"""The rom dashboard: ``streamlit run app.py`` (or ``rom app``). See README, "Dashboard"."""

from rom.app.main import main

main()
