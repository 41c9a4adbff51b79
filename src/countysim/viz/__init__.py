"""The interactive dashboard (issue 15): Mesa's SolaraViz page over a running county.

`countysim-dashboard` serves it (serve.py); app.py holds the Solara page and needs the
`viz` extra; levers.py, session.py, observe.py and panels.py need only the core
dependencies, so they are tested without a browser. The model never imports this package.
"""
