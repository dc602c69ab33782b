# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""A tiny TCP proxy in front of one Galera node, as HAProxy does it.

Kolla-Ansible and OpenStack-Ansible send every service's SQL to one cluster
node at a time (the others are HAProxy ``backup`` servers): a single
writer. When that node fails its health check, HAProxy sends new
connections to the next node and shuts the sessions of the failed one
down. ``switch`` does both, at once, instead of after a check interval.
"""

import socket
import threading


class Proxy:
    def __init__(self, backend_port):
        self.backend_port = backend_port
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(128)
        self._listener.settimeout(0.5)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sessions = set()
        self._closed = threading.Event()
        self.refused = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                port = self.backend_port
            try:
                server = socket.create_connection(('127.0.0.1', port),
                                                  timeout=5)
                server.settimeout(None)
            except OSError:
                # The backend is down: the client sees its connection drop.
                self.refused += 1
                _close(client)
                continue
            session = (client, server)
            with self._lock:
                self._sessions.add(session)
            for src, dst in (session, session[::-1]):
                threading.Thread(target=self._pump, args=(src, dst, session),
                                 daemon=True).start()

    def _pump(self, src, dst, session):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._end(session)

    def _end(self, session):
        with self._lock:
            self._sessions.discard(session)
        for sock in session:
            _close(sock)

    def switch(self, backend_port):
        """Send new connections to ``backend_port``; drop the open ones."""
        with self._lock:
            self.backend_port = backend_port
            sessions = list(self._sessions)
        for session in sessions:
            self._end(session)

    def close(self):
        self._closed.set()
        self._listener.close()
        self._thread.join(timeout=5)
        self.switch(None)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
