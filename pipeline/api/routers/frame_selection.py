"""The stored frame selection of a video (``generated.selection.v1.json`` and
``generated.compframes`` in its output folder), each frame with the URL of its picture:
what a screenshot gallery shows. Reading it never starts a selection."""

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from pipeline.api.dependencies import Context, VideoIdPath, find_video
from pipeline.api.routers import API_PREFIX
from pipeline.frame_selection.index import Origin, SelectionIndex, load_index

router = APIRouter(prefix=API_PREFIX, tags=["frames"])


class SelectedFrameOut(BaseModel):
    frame_index: int
    type: str = Field(description="Dark, Bright, Motion, User, Random, or (unknown)")
    origin: Origin = Field(
        description="known from the selection file, from a compframes hint, or not at all"
    )
    ts_tc: str | None = Field(description="HH:MM:SS.mmm, from the selection file")
    score: float | None
    source: str | None = Field(description="the engine that chose the frame")
    clip_role: str | None
    notes: str | None = Field(description="the metrics behind the choice")
    frame_url: str = Field(description="the frame as JPEG")


class FrameSelectionOut(BaseModel):
    video_id: str
    cache_key: str | None = Field(description="the selection file's key; null without one")
    created_utc: str | None
    selections: list[SelectedFrameOut] = Field(description="in frame order")


@router.get("/videos/{video_id}/frame-selection", response_model=FrameSelectionOut)
async def get_frame_selection(video_id: VideoIdPath, context: Context) -> FrameSelectionOut:
    """The frames selected for comparison (`eioku analyze -a frames`, `eioku
    screenshots`) and why; an empty list when none were selected yet."""
    from pipeline.media.frame_index_store import video_output_folder

    def loaded(session: Session) -> SelectionIndex:
        video = find_video(session, video_id)
        return load_index(video_output_folder(context.settings.home, video.video_id))

    index = await context.read(loaded)
    selections = []
    for frame_index in index.frames():
        label = index.label(frame_index)
        selections.append(
            SelectedFrameOut(
                frame_index=frame_index,
                type=label.type,
                origin=label.origin,
                ts_tc=label.ts_tc,
                score=label.score,
                source=label.source,
                clip_role=label.clip_role,
                notes=label.notes,
                frame_url=f"{API_PREFIX}/videos/{video_id}/frames/{frame_index}.jpg",
            )
        )
    return FrameSelectionOut(
        video_id=video_id,
        cache_key=index.cache_key,
        created_utc=index.created_utc,
        selections=selections,
    )
