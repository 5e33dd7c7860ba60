"""A process that takes the relay's lead and holds it until killed: `python -m tests.leader_holder
sqlite PATH` or `postgres SCHEMA`. It prints `leading` once it leads."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from adapters.leadership import FileLeadership
from adapters.postgres_leadership import PostgresLeadership
from application.ports import Leadership
from tests.postgres import DBNAME, HOST, PORT, USER


def leadership(kind: str, where: str, check_every: float = 0.1) -> Leadership:
    if kind == "sqlite":
        return FileLeadership(Path(where))
    connection = {"host": HOST, "port": PORT, "dbname": DBNAME, "user": USER, "connect_timeout": 3}
    return PostgresLeadership(connection, where, check_every=check_every)


async def hold(kind: str, where: str) -> None:
    lead = leadership(kind, where)
    while not await lead.lead():  # noqa: ASYNC110  # the lock is polled: nothing signals it
        await asyncio.sleep(0.1)
    print("leading", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], sys.argv[2]))
