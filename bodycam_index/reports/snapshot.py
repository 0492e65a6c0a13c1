"""One read snapshot per report, so a report never mixes states of a database that another process is writing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Run the body inside one read transaction (WAL: every query sees the same committed state).

    Inside a transaction the caller already holds, the body simply joins it. Nothing is written, so it ends with
    a rollback.
    """
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
