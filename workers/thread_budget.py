"""Each worker process gets its share of the cores (``EIOKU_THREADS``, default the cores
this process may run on ÷ the worker's concurrency), and torch, OpenCV, CTranslate2 and
OpenMP are held to it, so N processes do not fight over the same cores."""

import contextlib
import importlib.util
import logging
import os

log = logging.getLogger(__name__)

THREADS_ENV = "EIOKU_THREADS"
# read by OpenMP, MKL and OpenBLAS when they start: CTranslate2's and torch's pools
_POOL_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def usable_cores() -> int:
    """The cores this process may run on (a taskset/cpuset pin counts)."""
    return len(os.sched_getaffinity(0))


def thread_budget(concurrency: int, cores: int | None = None) -> int:
    """``EIOKU_THREADS`` when set, else an equal share of the cores, at least one."""
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured:
        threads = int(configured)
        if threads < 1:
            raise ValueError(f"{THREADS_ENV}={configured} must be at least 1")
        return threads
    return max(1, (cores or usable_cores()) // max(1, concurrency))


def thread_budget_in_force() -> int:
    """The budget applied to this process; 0 (the library's own choice) when none was."""
    return int(os.environ.get(THREADS_ENV, "0") or 0)


def apply_thread_budget(threads: int) -> dict[str, int]:
    """Holds this process's thread pools to ``threads``; returns each library's count as
    read back from it."""
    os.environ[THREADS_ENV] = str(threads)
    for variable in _POOL_VARIABLES:
        os.environ[variable] = str(threads)
    applied = {"budget": threads}
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(threads)
        with contextlib.suppress(RuntimeError):  # settable only before torch's first use
            torch.set_num_interop_threads(threads)
        applied["torch"] = torch.get_num_threads()
    if importlib.util.find_spec("cv2") is not None:
        import cv2

        cv2.setNumThreads(threads)
        applied["opencv"] = cv2.getNumThreads()
    log.info(
        "pid %d thread budget: %s",
        os.getpid(),
        ", ".join(f"{name} {count}" for name, count in applied.items()),
    )
    return applied
