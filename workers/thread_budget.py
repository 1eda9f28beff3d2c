"""Each worker process gets its share of the cores (``Settings.threads``, from
``EIOKU_THREADS``; default the cores this process may run on ÷ the worker's concurrency),
and torch, OpenCV, CTranslate2 and OpenMP are held to it, so N processes do not fight over
the same cores. Pool process i is also pinned to its own share of the cores
(``Settings.pin_cores``, from ``EIOKU_PIN_CORES``): a decoder thread and the
analysis thread that consumes its frames then stay on one core instead of being scheduled
against the other processes' threads (docs/ARCHITECTURE.md, "Analyzers and their models")."""

import contextlib
import importlib.util
import logging
import os
from collections.abc import Sequence

log = logging.getLogger(__name__)

# read by OpenMP, MKL and OpenBLAS when they start: CTranslate2's and torch's pools
_POOL_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def usable_cores() -> int:
    """The cores this process may run on (a taskset/cpuset pin counts)."""
    return len(os.sched_getaffinity(0))


_budget_in_force = 0  # the budget this process was held to; 0: none (the libraries' choice)


def thread_budget(concurrency: int, configured: int | None, cores: int | None = None) -> int:
    """The ``configured`` count when set, else an equal share of the cores, at least one."""
    if configured is not None:
        return configured
    return max(1, (cores or usable_cores()) // max(1, concurrency))


def core_share(index: int, concurrency: int, cores: Sequence[int]) -> set[int] | None:
    """Pool process ``index``'s cores: the usable cores in ``concurrency`` equal shares
    (the remainder unused); None when there are fewer cores than processes."""
    if concurrency < 1 or concurrency > len(cores):
        return None
    size = len(cores) // concurrency
    start = (index % concurrency) * size
    return set(sorted(cores)[start : start + size])


def pin_to_core_share(index: int | None, concurrency: int, pin: bool) -> set[int] | None:
    """Pins this pool process to its share when ``pin``; the cores it now runs on, or
    None when it was left free."""
    if index is None or not pin:
        return None
    share = core_share(index, concurrency, list(os.sched_getaffinity(0)))
    if share is None:
        return None
    os.sched_setaffinity(0, share)
    log.info("pid %d pinned to cores %s", os.getpid(), ",".join(map(str, sorted(share))))
    return share


def thread_budget_in_force() -> int:
    """The budget applied to this process; 0 (the library's own choice) when none was."""
    return _budget_in_force


def apply_thread_budget(threads: int) -> dict[str, int]:
    """Holds this process's thread pools to ``threads``; returns each library's count as
    read back from it."""
    global _budget_in_force
    _budget_in_force = threads
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
