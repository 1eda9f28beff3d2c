"""Analyze stamps (SQLite only): ``plan_epoch`` counts the changes to what the planner
reads, kept by triggers on those tables, and ``analysis_stamps`` keeps the answers of
plain `eioku analyze` requests, each with the count it was worked out at
(docs/ARCHITECTURE.md, "Analyze stamps"). A server database has neither: there every
request is planned.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# table -> the columns whose update counts (None: all); a file entry's seen_at, written
# by every analyze of the path, changes no plan
PLANNER_TABLES: dict[str, str | None] = {
    "videos": None,
    "video_files": "size_bytes, mtime_ns, content_hash, video_id",
    "runs": None,
    "intents": None,
    "artifact_selections": None,
}
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE plan_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
    )
    op.execute("INSERT INTO plan_epoch (id, value) VALUES (1, 0)")
    op.execute(
        "CREATE TABLE analysis_stamps (stamp_key TEXT PRIMARY KEY, epoch INTEGER NOT NULL, "
        "revision TEXT NOT NULL, report TEXT NOT NULL, consulted TEXT NOT NULL)"
    )
    for table, columns in PLANNER_TABLES.items():
        for event in EVENTS:
            when = f"UPDATE OF {columns}" if event == "update" and columns else event.upper()
            op.execute(
                f"CREATE TRIGGER {table}_{event}_plan_epoch AFTER {when} ON {table} "
                "BEGIN UPDATE plan_epoch SET value = value + 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in PLANNER_TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_{event}_plan_epoch")
    op.execute("DROP TABLE analysis_stamps")
    op.execute("DROP TABLE plan_epoch")
