"""Progress of long work (calibration, verification, `convc run` on many samples), drawn by
rich on a terminal and not at all otherwise: piped or captured output, logs and the tests
see nothing, so results and text outputs stay byte-identical."""
from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def progress(description: str, total: int, stream=None):
    """`with progress("calibrating", n) as advance: ... advance(k)`: a bar on `stream` (default
    stderr) when it is a terminal and there is more than one step; a no-op otherwise."""
    stream = stream or sys.stderr
    if total <= 1 or not getattr(stream, "isatty", lambda: False)():
        yield lambda steps=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda steps=1: bar.advance(task, steps)
