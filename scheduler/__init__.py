"""The Fairdraw domain: models, plan lifecycle services, importers, exporters, audit log.

`scheduler/` calls `solver/` and never imports `web/`.
"""
