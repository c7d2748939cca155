"""LangChain's SQLRecordManager (the catalog's chunk records) with an `update` that compiles once.

LangChain's `update` builds one INSERT with a VALUES row per record and compiles it anew at every
call: 90 ms per 256 records, a third of a PostgreSQL ingest of 10k chunks (bench/speed.md). Here
the same upsert is one statement run per row: compiled once per process, its rows still sent to
the database in batches (SQLAlchemy's "insertmanyvalues").
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_classic.indexes import SQLRecordManager
from langchain_classic.indexes._sql_record_manager import UpsertionRecord


class Records(SQLRecordManager):
    """SQLRecordManager, its `update` run per row (same table, same rows, same checks)."""

    def update(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        """Upsert the records of `keys` (in `group_ids`), stamped with the database's time.

        Raises:
            ValueError: `keys` and `group_ids` differ in length.
            AssertionError: the database's clock is behind `time_at_least` (LangChain's safeguard).
        """
        if group_ids is None:
            group_ids = [None] * len(keys)
        if len(keys) != len(group_ids):
            raise ValueError(f"Number of keys ({len(keys)}) does not match number of group_ids ({len(group_ids)})")
        update_time = self.get_time()
        if time_at_least and update_time < time_at_least:
            raise AssertionError(f"Time sync issue: {update_time} < {time_at_least}")
        if not keys:
            return
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        statement = insert(UpsertionRecord)
        statement = statement.on_conflict_do_update(
            index_elements=[UpsertionRecord.key, UpsertionRecord.namespace],
            set_={"updated_at": statement.excluded.updated_at, "group_id": statement.excluded.group_id},
        )
        rows = [
            {"key": key, "namespace": self.namespace, "updated_at": update_time, "group_id": group}
            for key, group in zip(keys, group_ids)
        ]
        with self._make_session() as session:
            session.execute(statement, rows)
            session.commit()
