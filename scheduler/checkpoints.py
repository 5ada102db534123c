"""Test-only checkpoints (测试检查点) that let a test catch a command at a chosen moment.

With `FAIRDRAW_CHECKPOINT=NAME` in its environment, a process that reaches checkpoint
NAME prints `checkpoint NAME <pid>` on stderr and waits until the file named by
`FAIRDRAW_CHECKPOINT_RELEASE` exists (at most a minute), so that a test can start two
commands together (`start`: before the transaction) or kill one half-way (`commit`:
everything written, not yet committed). Without the variable nothing happens.
"""

from __future__ import annotations

import os
import sys
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

ENV = "FAIRDRAW_CHECKPOINT"
RELEASE_ENV = "FAIRDRAW_CHECKPOINT_RELEASE"
TIMEOUT = 60.0


def checkpoint(name: str) -> None:
    """Announce and wait here if the environment asks for checkpoint `name`."""
    if os.environ.get(ENV) != name:
        return
    sys.stderr.write(f"checkpoint {name} {os.getpid()}\n")
    sys.stderr.flush()
    release = os.environ.get(RELEASE_ENV)
    deadline = time.monotonic() + TIMEOUT
    while release and not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.01)


def _before_commit(session: Session) -> None:
    checkpoint("commit")


def install() -> None:
    """Arm the `commit` checkpoint (before every session commit) when it is asked for."""
    if os.environ.get(ENV) == "commit" and not event.contains(
        Session, "before_commit", _before_commit
    ):
        event.listen(Session, "before_commit", _before_commit)
