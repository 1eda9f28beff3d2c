"""One process's share of bench.scale_workers' batch, analysed in this process: the same
scenes analyzer, config and thread budget as a worker, but no Celery, database or broker.
Run side by side on one or two cores, it gives the machine's own ceiling for the speed-up.

    .venv/bin/python -m bench.scenes_share CORE VIDEO...

Pins itself to CORE, probes the videos, prints "ready", waits for a line on stdin, then
analyses them one after the other and prints the seconds that took."""

import os
import sys
import time

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.settings import load_settings
from support.sources import probe_source
from workers.thread_budget import apply_thread_budget, thread_budget


def main() -> None:
    core, paths = int(sys.argv[1]), sys.argv[2:]
    os.sched_setaffinity(0, {core})
    apply_thread_budget(thread_budget(1))  # what a one-process worker on one core applies
    analyzer = AnalyzerCatalog(load_settings()).get("scenes")
    config = analyzer.effective_config("fast", {})
    sources = [probe_source(path) for path in paths]  # a worker reads these from its run
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    for source in sources:
        list(analyzer.analyze(source, config, lambda fraction: None))
    print(f"{time.perf_counter() - began:.4f}", flush=True)


if __name__ == "__main__":
    main()
