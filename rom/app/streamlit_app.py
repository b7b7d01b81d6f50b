"""The script ``rom app`` gives to ``streamlit run`` (the same as the repository's app.py)."""

from rom.app.main import main

main()
