"""Pure draw logic (spec draw-v1): ``solver.draw`` (numpy) and ``solver.verify`` (stdlib only).

Keep this file free of imports: ``python -m solver.verify`` must run on a bare Python.
"""
