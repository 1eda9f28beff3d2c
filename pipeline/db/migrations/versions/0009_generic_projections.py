"""Generic projection tables: ``artifact_facets`` (label, person, confidence) and
``artifact_text`` (searchable text) replace one table per artifact type (object_labels,
place_labels, face_clusters, scene_ranges, transcript_fts, ocr_fts), so that an artifact
type an analyzer declares needs no migration (docs/ARCHITECTURE.md, "Projections").
``scene_ranges`` had no reader and has no successor.

The rows are rebuilt from the artifacts' payloads with the built-in types' projections as
they are at this revision: faces and the transcript and on-screen text now also project
their confidence.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_LABEL_TABLES = {"object_labels": "object.detection", "place_labels": "place.classification"}
OLD_TEXT_TABLES = {"transcript_fts": "transcript.segment", "ocr_fts": "ocr.text"}

# artifact type -> (label, person, confidence) payload paths, as of this revision
FACETS: dict[str, tuple[str | None, str | None, str | None]] = {
    "object.detection": ("label", None, "confidence"),
    "place.classification": ("predictions.0.label", None, "predictions.0.confidence"),
    "face.detection": (None, "cluster_id", "confidence"),
    "transcript.segment": (None, None, "confidence"),
    "ocr.text": (None, None, "confidence"),
}


def _json(dialect: str, path: str | None, cast: str) -> str:
    """SQL reading a payload path as text, integer or float."""
    if path is None:
        return "NULL"
    parts = path.split(".")
    if dialect == "postgresql":
        head = "".join(f"->{p}" if p.isdigit() else f"->'{p}'" for p in parts[:-1])
        last = parts[-1]
        value = f"(payload{head}->>{last if last.isdigit() else repr(last)})"
        return {"text": value, "int": f"{value}::integer", "float": f"{value}::float8"}[cast]
    selector = "$" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts)
    return f"json_extract(payload, '{selector}')"


def _create_text_table(name: str, dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            f"CREATE TABLE {name} ("
            " artifact_id VARCHAR(32) PRIMARY KEY"
            " REFERENCES artifacts(artifact_id) ON DELETE CASCADE,"
            " asset_id VARCHAR(32) NOT NULL, run_id VARCHAR(32) NOT NULL,"
            " start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL, text TEXT NOT NULL,"
            " tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED)"
        )
        op.execute(f"CREATE INDEX ix_{name}_run_tsv ON {name} USING GIN (run_id, tsv)")
        op.execute(f"CREATE INDEX ix_{name}_asset_start ON {name} (asset_id, start_ms)")
    else:
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(text, artifact_id UNINDEXED,"
            " asset_id UNINDEXED, run_id UNINDEXED, start_ms UNINDEXED, end_ms UNINDEXED,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )


TEXT_COLUMNS = "text, artifact_id, asset_id, run_id, start_ms, end_ms"


def _copy_text(source: str, target: str, where: str = "") -> None:
    op.execute(f"INSERT INTO {target} ({TEXT_COLUMNS}) SELECT {TEXT_COLUMNS} FROM {source}{where}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "artifact_facets",
        sa.Column(
            "artifact_id",
            sa.String(32),
            sa.ForeignKey("artifacts.artifact_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("asset_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("start_ms", sa.BigInteger, nullable=False),
        sa.Column("end_ms", sa.BigInteger, nullable=False),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("person", sa.Integer, nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
    )
    for column in ("label", "person"):
        present = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_artifact_facets_{column}",
            "artifact_facets",
            ["asset_id", column, "start_ms"],
            postgresql_where=present,
            sqlite_where=present,
        )
    for artifact_type, (label, person, confidence) in FACETS.items():
        op.execute(
            "INSERT INTO artifact_facets (artifact_id, asset_id, run_id, start_ms, end_ms,"
            " label, person, confidence)"
            " SELECT artifact_id, asset_id, run_id, span_start_ms, span_end_ms,"
            f" {_json(dialect, label, 'text')}, {_json(dialect, person, 'int')},"
            f" {_json(dialect, confidence, 'float')}"
            f" FROM artifacts WHERE artifact_type = '{artifact_type}'"
        )
    _create_text_table("artifact_text", dialect)
    for old in OLD_TEXT_TABLES:
        _copy_text(old, "artifact_text")
    for old in (*OLD_LABEL_TABLES, "face_clusters", "scene_ranges", *OLD_TEXT_TABLES):
        op.execute(f"DROP TABLE {old}")


def _create_old_projection(name: str, *columns: sa.Column, index: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column(
            "artifact_id",
            sa.String(32),
            sa.ForeignKey("artifacts.artifact_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("asset_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("start_ms", sa.BigInteger, nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_lookup", name, list(index))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, artifact_type in OLD_LABEL_TABLES.items():
        _create_old_projection(
            name,
            sa.Column("label", sa.String(128), nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
            index=("asset_id", "label", "start_ms"),
        )
        op.execute(
            f"INSERT INTO {name} (artifact_id, asset_id, run_id, start_ms, label, confidence)"
            " SELECT f.artifact_id, f.asset_id, f.run_id, f.start_ms, f.label, f.confidence"
            " FROM artifact_facets f JOIN artifacts a ON a.artifact_id = f.artifact_id"
            f" WHERE a.artifact_type = '{artifact_type}'"
        )
    _create_old_projection(
        "face_clusters",
        sa.Column("cluster_id", sa.Integer),
        index=("asset_id", "cluster_id", "start_ms"),
    )
    op.execute(
        "INSERT INTO face_clusters (artifact_id, asset_id, run_id, start_ms, cluster_id)"
        " SELECT f.artifact_id, f.asset_id, f.run_id, f.start_ms, f.person"
        " FROM artifact_facets f JOIN artifacts a ON a.artifact_id = f.artifact_id"
        " WHERE a.artifact_type = 'face.detection'"
    )
    _create_old_projection(
        "scene_ranges",
        sa.Column("scene_index", sa.Integer, nullable=False),
        sa.Column("end_ms", sa.BigInteger, nullable=False),
        index=("asset_id", "start_ms"),
    )
    op.execute(
        "INSERT INTO scene_ranges (artifact_id, asset_id, run_id, start_ms, scene_index, end_ms)"
        " SELECT artifact_id, asset_id, run_id, span_start_ms,"
        f" {_json(dialect, 'scene_index', 'int')}, span_end_ms"
        " FROM artifacts WHERE artifact_type = 'scene'"
    )
    for name, artifact_type in OLD_TEXT_TABLES.items():
        _create_text_table(name, dialect)  # with revision 0008's indexes
        ids = f"SELECT artifact_id FROM artifacts WHERE artifact_type = '{artifact_type}'"
        _copy_text("artifact_text", name, f" WHERE artifact_id IN ({ids})")
    op.execute("DROP TABLE artifact_text")
    op.drop_table("artifact_facets")
