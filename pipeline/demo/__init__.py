"""The bundled demo sample (`make demo`)."""

from pathlib import Path

SAMPLE_VIDEO = Path(__file__).with_name("sample.mp4")
