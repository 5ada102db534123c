"""Chinese for the workspace's message ids (gathered by web/translations/fill_zh.py)."""

ZH: dict[str, str] = {}
