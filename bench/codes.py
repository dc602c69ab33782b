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

"""Valid, never-reused TOTP codes for many logins at once.

Replay protection refuses a code whose time step is not later than the last
step its credential logged in with, so a load run cannot reuse one code or
step back in time. The CodeBook hands out each (device, step) once, in
increasing step order per device, and only the current step or the next one:
a code of step now+1 stays inside the server's default window (one step
either side) for a full minute, so it cannot expire between being handed out
and being checked. Each device yields two codes at once and one more per
30-second step; when every device is spent, ``take`` waits for the next step.
"""

import collections
import threading
import time

from keystone_totp_concat.core import totp


class CodeBook:
    """Round-robin over ``(owner, secret)`` devices; thread-safe."""

    def __init__(self, devices, gap=10.0):
        self._devices = collections.deque(enumerate(devices))
        self._last_step = {}
        self._handed_at = {}
        self._gap = gap
        self._lock = threading.Lock()
        self.waits = 0

    def take(self):
        """Return ``(owner, code, step)``: a code never handed out before."""
        while True:
            with self._lock:
                clock = time.monotonic()
                now = totp.time_step(time.time())
                for _ in range(len(self._devices)):
                    key, (owner, secret) = self._devices[0]
                    self._devices.rotate(-1)
                    step = max(self._last_step.get(key, now - 1) + 1, now)
                    handed = self._handed_at.get(key, -self._gap)
                    busy = clock - handed < self._gap
                    if step <= now + 1 and not busy:
                        self._last_step[key] = step
                        self._handed_at[key] = clock
                        return owner, totp.code_at_step(secret, step), step
                self.waits += 1
            left = totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS
            time.sleep(min(1.0, left))
