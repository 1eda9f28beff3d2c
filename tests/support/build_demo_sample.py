"""Rebuild the demo sample (pipeline/demo/sample.mp4): 12 s, 320x180, 25 fps, six shots
with cuts at frames 50, 90, 150, 185 and 250 — plain colour fields, a photo of a face
(tests/data/zidane.jpg) from 3.6 s to 6 s, a caption card reading ASK NOT from 7.4 s to
10 s — and the JFK inaugural clip (public domain, tests/data/jfk.flac) as its sound track.

    .venv/bin/python -m tests.support.build_demo_sample
"""

import argparse
from pathlib import Path

import numpy as np

from pipeline.demo import SAMPLE_VIDEO
from support.synthetic import alternating_shots, shot_frame, write_stills_video
from tests.support.media_matrix import DATA, ZIDANE_CROP, caption_card, fit_into, rgb_image

SIZE = (320, 180)
SHOT_LENGTHS = (50, 40, 60, 35, 65, 50)  # frames at 25 fps: 12 s in all
FACE_SHOT, CAPTION_SHOT = 2, 4
CAPTION = "ASK NOT"


def shot_pictures() -> list[np.ndarray]:
    width, height = SIZE
    pictures = [shot_frame(shot, 0, width, height) for shot in alternating_shots(SHOT_LENGTHS)]
    pictures[FACE_SHOT] = fit_into(rgb_image(DATA / "zidane.jpg")[ZIDANE_CROP], width, height)
    pictures[CAPTION_SHOT] = caption_card(CAPTION, width, height)
    return pictures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=SAMPLE_VIDEO)
    args = parser.parse_args()
    stills = list(zip(shot_pictures(), SHOT_LENGTHS, strict=True))
    write_stills_video(args.output, stills, audio=DATA / "jfk.flac", title="Eioku demo sample")
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
