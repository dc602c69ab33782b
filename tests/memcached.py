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

"""A private memcached on a free loopback port, for Keystone's cache.

Debian's ``memcached`` with the ``pymemcache`` client in the venv (``make
test-cache`` installs both), as Keystone's ``[cache]`` runs in production.
"""

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import time

import local_keystone  # tools/, put on sys.path by tests/conftest.py

BACKEND = 'dogpile.cache.pymemcache'


def available():
    """None, or why memcached cannot run here."""
    if shutil.which('memcached') is None:
        return 'memcached is not installed (make test-cache installs it)'
    if importlib.util.find_spec('pymemcache') is None:
        return 'pymemcache is not installed (make test-cache installs it)'
    return None


class Memcached:
    """One memcached process; ``server`` is its ``host:port``."""

    def __init__(self):
        self.port = local_keystone.free_port()
        self.server = '127.0.0.1:%d' % self.port
        self.process = None

    def start(self, timeout=10):
        # memcached refuses to run as root unless told which user to be.
        user = pwd.getpwuid(os.getuid()).pw_name
        self.process = subprocess.Popen(
            ['memcached', '-l', '127.0.0.1', '-p', str(self.port), '-U', '0',
             '-m', '16', '-u', user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('memcached exited with %s'
                                   % self.process.returncode)
            with socket.socket() as s:
                if s.connect_ex(('127.0.0.1', self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('memcached did not listen on %s' % self.server)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def config(self):
        """keystone.conf overrides: Keystone's cache in this memcached."""
        return {'cache': {'enabled': 'true', 'backend': BACKEND,
                          'memcache_servers': self.server}}
