"""Result quality on real media against ground truth written down in ``tests/data/``
(what each file is, where it comes from and its licence: tests/data/README.md), one table
per analyzer and profile:

- transcript: word error rate per recording;
- ocr: character error rate and span recall of captions rendered with real fonts over
  real photos, and of the demo's caption card;
- faces: precision and recall of detected boxes against hand-marked ones;
- scenes: F1 of cuts against the cuts the clips were made with.

    python -m bench.quality [--only transcript,ocr,faces,scenes] [--profiles fast,balanced]
        [--save FILE.json] [--baseline FILE.json]

``--save`` writes the figures; ``--baseline`` prints each beside the saved one and marks
those that got worse (before/after a change: save on the old commit, compare on the new).
"""

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from types import ModuleType

from bench import quality_faces, quality_ocr, quality_scenes, quality_transcript
from support.quality import MeasureUnavailable, QualityRow

MEASURES: dict[str, ModuleType] = {
    "transcript": quality_transcript,
    "ocr": quality_ocr,
    "scenes": quality_scenes,
    "faces": quality_faces,
}
PROFILES = ("fast", "balanced", "high_quality")
TOLERANCE = 1e-9


def _key(row: QualityRow) -> tuple[str, str, str, str]:
    return row.analyzer, row.profile, row.media, row.measure


def _worse(row: QualityRow, before: float) -> bool:
    if row.better == "info":
        return False
    if row.better == "lower":
        return row.value > before + TOLERANCE
    return row.value < before - TOLERANCE


def _table(rows: Sequence[QualityRow], baseline: dict[tuple[str, str, str, str], float]) -> str:
    lines = []
    header = f"{'analyzer':<11}{'profile':<13}{'media':<34}{'measure':<18}{'value':>8}"
    if baseline:
        header += f"{'before':>9}  change"
    lines.append(header)
    for row in rows:
        line = (
            f"{row.analyzer:<11}{row.profile:<13}{row.media:<34}{row.measure:<18}{row.value:>8.3f}"
        )
        before = baseline.get(_key(row))
        if before is not None:
            verdict = (
                "info"
                if row.better == "info"
                else (
                    "WORSE"
                    if _worse(row, before)
                    else ("same" if abs(row.value - before) <= TOLERANCE else "better")
                )
            )
            line += f"{before:>9.3f}  {verdict}"
        if row.detail:
            line += f"  ({row.detail})"
        lines.append(line)
    return "\n".join(lines)


def measure(
    only: Sequence[str], profiles: Sequence[str], report: Callable[[str], None]
) -> list[QualityRow]:
    rows: list[QualityRow] = []
    for name in only:
        for profile in profiles:
            try:
                found = MEASURES[name].measure(profile)
            except MeasureUnavailable as exc:
                report(f"skipped: {name} {profile}: {exc}")
                continue
            rows.extend(found)
            report(f"done: {name} {profile} ({len(found)} figures)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(MEASURES), help="analyzers, comma-separated")
    parser.add_argument("--profiles", default=",".join(PROFILES), help="profiles, comma-separated")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="a JSON file --save wrote before")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(MEASURES))
    if unknown:
        parser.error(f"unknown analyzer(s) {', '.join(unknown)}; known: {', '.join(MEASURES)}")
    profiles = [profile.strip() for profile in args.profiles.split(",") if profile.strip()]
    rows = measure(only, profiles, lambda line: print(line, flush=True))
    baseline = {}
    if args.baseline:
        saved = [QualityRow(**row) for row in json.loads(args.baseline.read_text())]
        baseline = {_key(row): row.value for row in saved}
    print(_table(rows, baseline))
    if args.save:
        args.save.write_text(json.dumps([asdict(row) for row in rows], indent=1) + "\n")
        print(f"saved {len(rows)} figures to {args.save}")


if __name__ == "__main__":
    main()
