"""Languages of the pages: Chinese first (the default), English second."""

from __future__ import annotations

from flask import request

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """?lang=, then the `lang` cookie, then the browser's preference, then zh."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES) or "zh"
