"""Navigation queries: jump to the next/previous artifact, find text. SQL with indexes,
honouring the selection policy, on PostgreSQL and SQLite."""
