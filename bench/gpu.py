"""Every model analyzer on the CPU and on the GPU, on the same clip.

    python -m bench.gpu [--seconds 30] [--profile fast] [--only ocr,faces,...]

Prints seconds of processing per minute of video on each device and the speed-up of the
GPU. The device is picked per analyzer (EIOKU_DEVICE_<ANALYZER>=cpu, then cuda); the
transcript's compute type follows it (int8 on the CPU, float16 on the GPU). Model loading
is excluded; the faster of two runs counts. Without a GPU it says so and exits 0.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.analyzers import BENCHES, best_of, silent
from pipeline.settings import device_variable, load_settings
from support.sources import probe_source


def cuda_present() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.device_count() > 0


def seconds_on(name: str, device: str, video: Path, profile: str) -> float:
    settings = load_settings({**os.environ, device_variable(name): device})
    analyzer_type = BENCHES[name][0]
    analyzer = analyzer_type(settings)
    chosen = analyzer.reference_settings("untrained:yolov8n.yaml") if name == "objects" else {}
    if name == "places":
        chosen = analyzer.reference_settings("untrained:resnet18-places365")
    config = analyzer.effective_config(profile, chosen)
    source = probe_source(video)
    analyzer.load(config)
    return best_of(lambda: list(analyzer.analyze(source, config, silent)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30, help="length of each test clip")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args()
    if not cuda_present():
        print("no GPU: torch sees no CUDA device on this machine; nothing to compare")
        sys.exit(0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="eioku-gpu-") as directory:
        for name in args.only.split(","):
            video = BENCHES[name][1](Path(directory), args.seconds)
            minutes = probe_source(video).duration_ms / 60000
            cpu_s = seconds_on(name, "cpu", video, args.profile)
            gpu_s = seconds_on(name, "cuda", video, args.profile)
            rows.append(
                f"{name:<11}{cpu_s / minutes:>10.1f}{gpu_s / minutes:>10.1f}{cpu_s / gpu_s:>9.2f}x"
            )
            print(f"done: {name}", flush=True)
    print(f"profile {args.profile}; s/min = seconds of processing per minute of video")
    print(f"{'analyzer':<11}{'cpu s/min':>10}{'gpu s/min':>10}{'speed-up':>10}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
