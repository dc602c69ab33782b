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

"""Unit tests of bench/codes.py, which the load test and the benchmark
rely on for codes that replay protection accepts. A fake clock stands in
for time so that waiting for the next 30-second step takes no real time."""

from bench import codes
from keystone_totp_concat.core import totp
from tests import cloud as cloud_mod


class FakeTime:
    """time.time/monotonic/sleep on a clock that sleep() moves forward."""

    def __init__(self, start):
        self.now = start

    def time(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def fake_clock(monkeypatch, into_step=1.0):
    clock = FakeTime(40000000 * totp.STEP_SECONDS + into_step)
    monkeypatch.setattr(codes, 'time', clock)
    return clock


def test_each_device_gets_the_current_then_the_next_step(monkeypatch):
    clock = fake_clock(monkeypatch)
    secrets = [cloud_mod.new_secret() for _ in range(3)]
    book = codes.CodeBook([(n, s) for n, s in enumerate(secrets)], gap=0)
    now = totp.time_step(clock.now)
    taken = [book.take() for _ in range(6)]
    for owner, code, step in taken:
        assert code == totp.code_at_step(secrets[owner], step)
    steps = sorted((owner, step) for owner, _, step in taken)
    assert steps == [(n, s) for n in range(3) for s in (now, now + 1)]
    assert book.waits == 0


def test_spent_devices_wait_for_the_next_step(monkeypatch):
    clock = fake_clock(monkeypatch)
    book = codes.CodeBook([('only', cloud_mod.new_secret())], gap=0)
    first = [book.take()[2] for _ in range(2)]
    owner, _, step = book.take()
    assert step == first[-1] + 1
    # It waited until that step was inside the window (now or now + 1).
    assert totp.time_step(clock.now) + 1 >= step
    assert book.waits > 0


def test_a_device_is_not_handed_out_twice_within_the_gap(monkeypatch):
    clock = fake_clock(monkeypatch)
    book = codes.CodeBook([('only', cloud_mod.new_secret())], gap=10)
    started = clock.now
    steps = [book.take()[2] for _ in range(2)]
    assert clock.now - started >= 10
    assert steps[1] == steps[0] + 1
