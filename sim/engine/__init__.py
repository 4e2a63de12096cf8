"""The simulation engine: customers as arrays, channel and rep agents, the day's schedule.

``reference/`` holds the oracle: the same model with one Mesa agent per customer.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _drop_stale_kernels(here: Path = Path(__file__).resolve().parent) -> None:
    """Empty numba's cache of the compiled kernels when any of their sources changed.

    numba checks a cached function against its own file only, so a kernel that calls one in
    another file would keep that one's old code after an update (wrong numbers or a crash).
    A stamp of all the compiled modules' sources, beside the cache, catches that; the next
    run then compiles afresh (about 20 s). A cache elsewhere (``NUMBA_CACHE_DIR``) is left alone.
    ``here``: the folder of the compiled modules.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    digest = hashlib.sha256()
    for path in sorted(here.glob("*.py")):
        source = path.read_bytes()
        if b"njit" in source and path.name != "__init__.py":
            digest.update(path.name.encode() + b"\0" + source)
    cache, stamp = here / "__pycache__", digest.hexdigest()
    marker = cache / "kernels.sources"
    try:
        if marker.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for stale in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            stale.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        partial = cache / f"kernels.sources.{os.getpid()}"
        partial.write_text(stamp)
        partial.replace(marker)
    except OSError:  # (a read-only installation: numba caches elsewhere)
        pass


_drop_stale_kernels()
