"""Embeddings stored beside artifacts (not in the JSON payload), on both databases."""

import pytest

from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from pipeline.db.repositories import ArtifactRepository
from schemas.base import BoundingBox
from schemas.payloads import FaceDetection
from tests.support.factories import make_envelope, make_run, make_video, write_artifacts
from tests.support.stored import stored_embeddings


def face(frame: int) -> FaceDetection:
    box = BoundingBox(x=1.0, y=2.0, width=30.0, height=40.0)
    return FaceDetection(frame_index=frame, timestamp_ms=frame * 40, confidence=0.9, bbox=box)


def test_embeddings_round_trip_as_float32_and_go_with_their_run(db: Database) -> None:
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(session, video.video_id, status=RunStatus.SUCCEEDED)
        envelopes = [
            make_envelope(face(i), asset_id=video.video_id, run_id=run.run_id) for i in range(3)
        ]
        vectors = {
            envelopes[0].artifact_id: [0.25 * i for i in range(128)],
            envelopes[2].artifact_id: [-1.0] * 128,
        }
        write_artifacts(session, envelopes, vectors)
    with db.sessions() as session:
        stored = stored_embeddings(session, [e.artifact_id for e in envelopes])
        assert stored == vectors  # these values are exact in float32
        artifacts = ArtifactRepository(session).get_by_asset(video.video_id, run_id=run.run_id)
        assert all("embedding" not in artifact.payload for artifact in artifacts)
    with db.transaction() as session:
        ArtifactRepository(session).delete_by_run(run.run_id)
    with db.sessions() as session:
        assert stored_embeddings(session, list(vectors)) == {}


def test_an_embedding_for_an_artifact_outside_the_batch_is_refused(db: Database) -> None:
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(session, video.video_id)
        envelope = make_envelope(face(0), asset_id=video.video_id, run_id=run.run_id)
        with pytest.raises(ValueError, match="not in the batch"):
            write_artifacts(session, [envelope], {"someone-else": [1.0]})
