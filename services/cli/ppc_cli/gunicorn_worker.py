"""gunicorn's gevent worker, answering a TLS handshake on the plain-HTTP port at once.

``uv publish`` without credentials first probes ``https://<host>/_/oidc/audience`` on the
same port. gunicorn waits for a request line that never comes (1.x's server waited 48 s);
a TLS record starts with byte 0x16, which no HTTP method does, so it is answered and
closed before gunicorn reads anything.
"""

from __future__ import annotations

import socket

from gunicorn.workers.ggevent import GeventWorker

TLS_HANDSHAKE = b"\x16"
PLAIN_HTTP_ANSWER = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                     b"Content-Length: 41\r\n\r\nthis port speaks plain HTTP, not TLS/SSL\n")


class PlainHTTPGeventWorker(GeventWorker):
    def handle(self, listener, client, addr):
        try:
            first = client.recv(1, socket.MSG_PEEK)
        except OSError:
            client.close()
            return
        if first == TLS_HANDSHAKE:
            try:
                client.sendall(PLAIN_HTTP_ANSWER)
            except OSError:
                pass
            client.close()
            return
        super().handle(listener, client, addr)
