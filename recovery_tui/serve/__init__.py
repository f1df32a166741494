"""`recovery-tui serve`: the wizard in a web browser through textual-serve (see `cli.py`, `server.py`).

`security.py` decides what is exposed and what a session may see; `page.py` makes the page load with
no external resource; `server.py` runs one wizard process per browser session. Never imported by the
lab, the service or the screens.
"""
