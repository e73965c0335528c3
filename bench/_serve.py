"""Runs the index the way ``ppc serve CONFIG`` does (``ppc_cli.serve.run``: same gunicorn
options, same app), with a chosen worker class. Started by run.py under ``taskset``.

usage: _serve.py CONFIG PORT WORKER_CLASS THREADS ACCESSLOG(on|off)
       _serve.py CONFIG PORT granian THREADS on     (what ``ppc serve --server granian`` runs)
"""

from __future__ import annotations

import sys


def main() -> None:
    config, port, worker_class, threads, accesslog = sys.argv[1:6]
    from ppc_cli import serve
    from ppc_shared.settings import Settings

    if accesslog == "off":
        # Measurement aid only: what the access log costs. ppc serve always logs.
        original = serve._Gunicorn.load_config

        def load_config(self):
            original(self)
            self.cfg.set("accesslog", None)

        serve._Gunicorn.load_config = load_config
    server = "granian" if worker_class == "granian" else "gunicorn"
    serve.run(Settings.from_file(config), "127.0.0.1", int(port), workers=1, threads=int(threads),
              worker_class=worker_class, server=server, config_path=config)


if __name__ == "__main__":
    main()
