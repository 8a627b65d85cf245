"""The ingest child process: ``python -m desktop_app.engine.ingest.worker``.

Reads one pickled request ``(target, path, password, limits)`` on stdin, caps its own address space
(``limits.max_memory_bytes``), runs the parser and writes its messages on stdout as they come, one frame
each (chapter batches, then the end or an error: see ``sandbox.py``).
Anything the libraries print goes to
``/dev/null`` so that it cannot corrupt the answer. Single-threaded; ended by its parent on timeout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space, so a bomb ends in a MemoryError here, not in the machine's swap.

    Set after the request is read and before any parser is imported. POSIX only (``resource``); a
    limit below what the interpreter already holds is raised to it, never lowered under it.
    """
    if max_bytes <= 0:
        return
    try:
        import resource
    except ImportError:  # Windows: the time limit still applies
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main() -> int:
    """Serve one request; return the process exit code."""
    # The descriptors, not sys.stdout/stdin: a windowed frozen app (the bundle's window launcher, which is
    # also this worker there) may have no sys.stdout object, though its parent gave it pipes.
    answer_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    # Library warnings (pypdf's "incorrect startxref", ...) are not the user's business here; the
    # parsers turn what matters into ParsedDocument.warnings.
    logging.basicConfig(level=logging.ERROR, handlers=[logging.NullHandler()])
    with os.fdopen(0, "rb", closefd=False) as request:
        target, path, password, limits = pickle.loads(request.read())
    limit_memory(limits.max_memory_bytes)
    try:
        import signal

        # A second guard: an orphaned child (its parent killed) still ends.
        signal.alarm(int(limits.timeout_s) + 30)
    except (ImportError, AttributeError, ValueError):
        pass

    from desktop_app.engine.ingest.sandbox import call_target, write_frame

    with os.fdopen(answer_fd, "wb") as answer:
        for message in call_target(target, path, password, limits):
            write_frame(answer, message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
