"""The same Alembic migrations build the ledger on SQLite and PostgreSQL, and match the
models exactly (a model change without a migration fails here)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from paygate.store.database import downgrade, make_engine, upgrade
from paygate.store.models import Base

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _inspect(url: str) -> tuple[set[str], list[Any]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    finally:
        await engine.dispose()
    return tables, diff


@BOTH
def test_upgrade_builds_every_table_and_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    tables, diff = asyncio.run(_inspect(database_url))
    assert set(Base.metadata.tables) <= tables
    assert diff == []


@BOTH
def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    tables, _ = asyncio.run(_inspect(database_url))
    assert tables <= {"alembic_version"}
    upgrade(database_url)
    tables, _ = asyncio.run(_inspect(database_url))
    assert set(Base.metadata.tables) <= tables


@BOTH
def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
