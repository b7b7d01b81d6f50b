"""The report for the client's file (HTML and PDF from one Jinja2 template), its static
charts and the key frames. Install with ``pip install rom[report]``."""
