"""Fault injection for the kill tests: stop this process at its Nth database write (off unless asked).

`$BODYCAM_KILL_AT=N` with `$BODYCAM_KILL_SIGNAL=KILL` (the default) dies by SIGKILL just before the Nth write
statement of the process runs; with `INT` the Nth write runs and a KeyboardInterrupt (what Ctrl-C raises) follows
as soon as Python code runs again (or, where the code has its own SIGINT handler, a real SIGINT is sent to it). `$BODYCAM_KILL_AT=0` only counts (see `writes`), to size a sweep. Writes are
INSERT, UPDATE, DELETE, REPLACE and COMMIT/RELEASE statements, counted over every connection of the process.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "COMMIT", "END", "RELEASE"})
_count = [0]


def writes() -> int:
    """Write statements traced so far in this process."""
    return _count[0]


def _interrupt_after_statement() -> None:
    """Raise KeyboardInterrupt at the first Python event outside the trace callback: raised in the callback itself
    it would be swallowed by sqlite3, and a real signal's handler would run inside the callback too."""
    inside = (sys._getframe(0), sys._getframe(1), sys._getframe(2))  # this function, _on_statement, the callback

    def profiler(frame: FrameType, event: str, arg: Any) -> None:
        if frame in inside:
            return
        sys.setprofile(None)
        raise KeyboardInterrupt

    sys.setprofile(profiler)


def _on_statement(at: int, how: str, statement: str) -> None:
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() not in _WRITES:
        return
    _count[0] += 1
    if _count[0] != at:
        return
    handler = signal.getsignal(signal.SIGINT)
    if how == "INT" and callable(handler) and handler is not signal.default_int_handler:
        os.kill(os.getpid(), signal.SIGINT)  # the code under test holds Ctrl-C back: let its handler see it
    elif how == "INT":
        _interrupt_after_statement()
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def install_from_env(conn: sqlite3.Connection) -> None:
    """Trace `conn`'s statements when `$BODYCAM_KILL_AT` is set; nothing otherwise."""
    at = os.environ.get("BODYCAM_KILL_AT")
    if at is None:
        return
    target, how = int(at), os.environ.get("BODYCAM_KILL_SIGNAL", "KILL").upper()

    def trace(statement: str) -> None:
        _on_statement(target, how, statement)

    conn.set_trace_callback(trace)
