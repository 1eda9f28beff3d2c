"""Rebuild the demo sample: 12 s, 320x180, six shots with cuts at known frames, and the
JFK inaugural clip (public domain) as its audio track.

    python -m pipeline.demo.build_sample --audio path/to/jfk.flac
"""

import argparse
from pathlib import Path

from pipeline.demo import SAMPLE_VIDEO
from pipeline.media.synthetic import alternating_shots, cut_frames, write_video

SHOT_LENGTHS = (50, 40, 60, 35, 65, 50)  # frames at 25 fps: 12 s in all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audio", type=Path, required=True, help="audio file to mux in")
    parser.add_argument("--output", type=Path, default=SAMPLE_VIDEO)
    args = parser.parse_args()
    shots = alternating_shots(SHOT_LENGTHS)
    write_video(args.output, shots, size=(320, 180), audio=args.audio, title="Eioku demo sample")
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes); cuts at {cut_frames(shots)}")


if __name__ == "__main__":
    main()
