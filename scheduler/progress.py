"""Progress reporting for long domain operations (imports, the demo district), without
depending on any terminal library.

A `Progress` is a tqdm-compatible factory: `progress(iterable, total=..., desc=...)` wraps
an iterable, and `with progress(total=n, desc=...) as bar: bar.update(k)` counts by hand.
The CLI passes tqdm; everybody else gets `no_progress`, which reports nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Progress = Callable[..., Any]


class _Silent:
    def __init__(self, iterable: Iterable | None = None):
        self.iterable = iterable if iterable is not None else ()

    def __iter__(self) -> Iterator:
        return iter(self.iterable)

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass


def no_progress(iterable: Iterable | None = None, **kwargs) -> _Silent:
    """A `Progress` that reports nothing."""
    return _Silent(iterable)
