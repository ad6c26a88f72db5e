"""moto's server in a process of its own, with the service's moto fixes applied.

The local stack starts it (`python -m infra.local.moto_server HOST PORT`) so that moto's work runs on
another core than the handlers', instead of taking turns with them under one GIL.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from moto.server import ThreadedMotoServer

from infra.local import moto_patches


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    moto_patches.apply()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    print(f"moto listening on {host}:{port}", flush=True)
    stop.wait()
    # No server.stop() and no interpreter shutdown: both can wait on request threads (a long poll, a
    # kept-alive connection) for longer than the stack waits for us. Nothing here needs flushing to disk.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
