"""Running `flask` commands in-process (命令行测试工具) with click's CliRunner, stdout and
stderr kept apart, so that a test can assert what a failure prints and where."""

from __future__ import annotations

import traceback
from dataclasses import dataclass


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def crashed(self) -> bool:
        """An exception other than click's exit escaped the command (a bug, not a refusal)."""
        return self.exception is not None and not isinstance(self.exception, SystemExit)

    def describe(self) -> str:
        tb = ""
        if self.crashed:
            tb = "".join(traceback.format_exception(self.exception))
        return f"exit {self.exit_code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}\n{tb}"


def flask(app, *args: str, input: str | None = None) -> Ran:
    """`flask ARGS...` against `app` (its database), in this process."""
    result = app.test_cli_runner().invoke(args=[str(a) for a in args], input=input)
    return Ran(result.exit_code, result.stdout, result.stderr, result.exception)


def ok(app, *args: str) -> str:
    """Run a command that must succeed; its stdout."""
    ran = flask(app, *args)
    assert ran.exit_code == 0 and not ran.crashed, ran.describe()
    return ran.stdout


def refused(app, *args: str, expect: tuple[str, ...] = ()) -> Ran:
    """Run a command that must be refused: exit status 1, no crash and no traceback, a
    message on stderr (Chinese first, then English) containing every `expect` string, and
    nothing of it on stdout."""
    ran = flask(app, *args)
    assert ran.exit_code == 1, ran.describe()
    assert not ran.crashed, ran.describe()
    assert "Traceback" not in ran.stderr + ran.stdout, ran.describe()
    assert ran.stderr.strip(), ran.describe()
    for text in expect:
        assert text in ran.stderr, f"{text!r} not on stderr\n{ran.describe()}"
        assert text not in ran.stdout, f"{text!r} on stdout\n{ran.describe()}"
    first_line = ran.stderr.strip().splitlines()[0]
    assert any("\u4e00" <= c <= "\u9fff" for c in first_line), ran.describe()  # Chinese first
    return ran
