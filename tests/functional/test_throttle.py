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

"""Guessing codes is throttled, in state shared by every node.

A dedicated node of the suite's cloud (same database) runs with short
settings — 3 failures, a 2-second first cool-down, 4 seconds at most — so
the suite's own Keystone keeps the defaults. Every test uses fresh users.
"""

import concurrent.futures
import subprocess
import threading
import time

import pytest
import requests

from tests import cloud as c
from tests import conftest
from tests.conftest import another_node

import local_keystone

MAX_FAILURES = 3
LOCKOUT = 2
MAX_LOCKOUT = 4


@pytest.fixture(scope='module')
def node(keystone, tmp_path_factory):
    overrides = {'totp_concat': {
        'max_failures': MAX_FAILURES,
        'lockout_duration': LOCKOUT,
        'max_lockout_duration': MAX_LOCKOUT,
    }}
    with another_node(keystone, tmp_path_factory, 'throttle-node',
                      processes=2, overrides=overrides) as server:
        yield server


def login(cloud, node, user, field):
    return cloud.login_as(user, field, url=node.url)


def refused(response):
    return (response.status_code == 401
            and response.json() == c.ADDITIONAL_STEPS_BODY)


def throttle_row(cloud, user):
    rows = cloud.sql('SELECT failures, lockouts, locked_until FROM '
                     'totp_concat_throttle WHERE user_id = :u', u=user.id)
    return rows[0] if rows else None


def fail(cloud, node, user, times):
    wrong = user.password + c.wrong_code(*user.secrets)
    for _ in range(times):
        assert refused(login(cloud, node, user, wrong))


def wait_for_unlock(cloud, user):
    """Sleep until the stored lockout ends (a few seconds at most here)."""
    delay = throttle_row(cloud, user).locked_until - time.time()
    assert delay <= MAX_LOCKOUT + 1
    time.sleep(max(delay, 0) + 0.2)


def test_lockout_engages_at_the_configured_count_and_ends(cloud, node):
    user = cloud.create_user(devices=1)
    fail(cloud, node, user, MAX_FAILURES)
    # Locked: even the right code gets the same answer as a wrong one.
    start = node.log_offset()
    r = login(cloud, node, user, user.password + user.code(offset_steps=-1))
    assert refused(r), r.text
    log = node.log_since(start)
    assert ('TOTP code of user %s not checked: too many failed codes'
            % user.id) in log
    wait_for_unlock(cloud, user)
    r = login(cloud, node, user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_one_failure_fewer_does_not_lock(cloud, node):
    user = cloud.create_user(devices=1)
    fail(cloud, node, user, MAX_FAILURES - 1)
    r = login(cloud, node, user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_a_successful_login_resets_the_count(cloud, node):
    user = cloud.create_user(devices=1)
    for offset in (0, 1):
        fail(cloud, node, user, MAX_FAILURES - 1)
        field = user.password + user.code(offset_steps=offset)
        r = login(cloud, node, user, field)
        assert r.status_code == 201, (offset, r.text)
    assert throttle_row(cloud, user) is None  # failures forgotten


def test_missing_codes_are_not_counted_as_guesses(cloud, node):
    user = cloud.create_user(devices=1)
    for _ in range(MAX_FAILURES + 2):
        assert refused(login(cloud, node, user, user.password))
    r = login(cloud, node, user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_repeated_lockouts_last_longer_up_to_the_cap(cloud, node):
    user = cloud.create_user(devices=1)
    durations = []
    for lockout in range(3):
        if lockout:
            wait_for_unlock(cloud, user)
        fail(cloud, node, user, MAX_FAILURES)
        before = time.time()
        row = throttle_row(cloud, user)
        durations.append(row.locked_until - before)
    assert row.lockouts == 3
    # Whole seconds, rounded up: 2, then 4, then capped at 4.
    assert LOCKOUT - 1 < durations[0] <= LOCKOUT + 1
    assert 2 * LOCKOUT - 1 < durations[1] <= 2 * LOCKOUT + 1
    assert MAX_LOCKOUT - 1 < durations[2] <= MAX_LOCKOUT + 1


def test_the_lockout_holds_on_every_node(cloud, node):
    """The lockout holds on every node.

    The suite's Keystone (default settings) refuses the right code of a
    user the throttle node locked: the state is in the shared database.
    """
    user = cloud.create_user(devices=1)
    fail(cloud, node, user, MAX_FAILURES)
    r = cloud.login_as(user, user.password + user.code())
    assert refused(r), r.text


def test_concurrent_guesses_cannot_overrun_the_count(cloud, node):
    """Concurrent guesses cannot overrun the count.

    Each check is counted before it is made: of 12 simultaneous wrong
    codes, exactly MAX_FAILURES are checked and the rest refused unchecked.
    """
    user = cloud.create_user(devices=1)
    wrong = user.password + c.wrong_code(*user.secrets)
    start = threading.Barrier(12)

    body = c.password_auth(
        {'name': user.name, 'domain': {'id': user.domain_id}}, wrong)

    def attempt(_):
        start.wait()
        # A connection of its own per request: no pooled socket is shared.
        return requests.post(node.url + '/auth/tokens', json=body, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        assert all(refused(r) for r in pool.map(attempt, range(12)))
    lines = [x for x in node.log_file.read_text().splitlines() if user.id in x]
    checked = [x for x in lines if 'Invalid TOTP code for user' in x]
    unchecked = [x for x in lines if 'not checked: too many' in x]
    assert (len(checked), len(unchecked)) == (
        MAX_FAILURES, 12 - MAX_FAILURES), '\n'.join(lines)
    assert throttle_row(cloud, user).lockouts == 1


def test_throttle_reset_command_ends_a_lockout(cloud, node):
    user = cloud.create_user(devices=1)
    fail(cloud, node, user, MAX_FAILURES)
    result = subprocess.run(
        [str(local_keystone.BIN / 'keystone-totp-manage'), '--config-file',
         str(node.conf_file), 'throttle_reset', user.id],
        env=node.env(), capture_output=True, text=True, check=True)
    assert 'unlocked' in result.stdout
    r = login(cloud, node, user, user.password + user.code())
    assert r.status_code == 201, r.text


# -- A caller who knows only the user name (the suite's Keystone, defaults) --

def failed_auth_count(cloud, user):
    """Keystone's own lockout counter ([security_compliance])."""
    return cloud.sql('SELECT failed_auth_count FROM local_user WHERE '
                     'user_id = :u', u=user.id)[0][0] or 0


def test_a_stranger_cannot_lock_the_user_out(cloud):
    user = cloud.create_user(devices=1)
    for n in range(50):
        guess = 'guess-%d' % n + c.wrong_code(*user.secrets)
        assert refused(cloud.login_as(user, guess))
    # Only the first password_first_after guesses were checked; the rest
    # were refused before their code was looked at, and counted nowhere:
    # neither here nor in Keystone's own lockout.
    assert throttle_row(cloud, user).failures == 3
    assert throttle_row(cloud, user).locked_until == 0
    # Each later refusal was written as a counted check would be, so that
    # its answer takes as long whether the password was right or not.
    assert cloud.sql('SELECT refused FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id)[0][0] == 47
    assert failed_auth_count(cloud, user) == 0
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
    assert throttle_row(cloud, user) is None  # failures forgotten


def test_a_phone_holder_gets_one_password_guess_per_code(cloud):
    """Whoever holds the device but not the password guesses once a code.

    A right code is used by its check and stays used when the password is
    wrong, which Keystone's own check counts as on stock Keystone: the same
    code again is refused before any password is looked at, so it tells
    nothing about the password and counts nowhere. This package's throttle
    counts none of it and never locks.
    """
    user = cloud.create_user(devices=1)
    code = user.code()
    first = cloud.login_as(user, 'guess-0' + code)
    assert first.status_code == 401 and not refused(first), first.text
    for n in range(1, 6):
        assert refused(cloud.login_as(user, 'guess-%d' % n + code))
    # The right password with the used code is refused alike: no oracle.
    assert refused(cloud.login_as(user, user.password + code))
    assert failed_auth_count(cloud, user) == 1
    assert throttle_row(cloud, user) is None
    r = cloud.login_as(user, user.password + user.code(offset_steps=1))
    assert r.status_code == 201, r.text


def test_a_phone_holder_meets_keystones_own_lockout(cloud):
    """Each wrong password with a fresh code counts in Keystone's lockout.

    Exactly as a wrong password does on stock Keystone (the suite sets
    lockout_failure_attempts to 3): the one lockout a phone holder may
    trigger, and the bound on their guesses when it is configured.
    """
    user = cloud.create_user(devices=1)
    for offset in (-1, 0, 1):
        r = cloud.login_as(user, 'guess' + user.code(offset_steps=offset))
        assert r.status_code == 401 and not refused(r), r.text
    assert failed_auth_count(cloud, user) == conftest.LOCKOUT_ATTEMPTS


def test_after_a_stranger_the_user_may_still_mistype(cloud):
    user = cloud.create_user(devices=1)
    for _ in range(20):
        assert refused(cloud.login_as(user, 'x' + c.wrong_code(*user.secrets)))
    wrong = user.password + c.wrong_code(*user.secrets)
    for _ in range(5):
        assert refused(cloud.login_as(user, wrong))
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_wrong_codes_with_the_password_still_lock(cloud):
    """Ten checks per lockout period, whoever made the first ones."""
    user = cloud.create_user(devices=1)
    wrong = user.password + c.wrong_code(*user.secrets)
    for _ in range(12):
        assert refused(cloud.login_as(user, wrong))
    row = throttle_row(cloud, user)
    assert row.lockouts == 1 and row.locked_until > time.time()
    r = cloud.login_as(user, user.password + user.code())
    assert refused(r), r.text


def test_a_stranger_gets_the_same_answer_before_and_after(cloud):
    user = cloud.create_user(devices=1)
    answers = [cloud.login_as(user, 'x' + c.wrong_code(*user.secrets))
               for _ in range(6)]
    assert {(r.status_code, r.text) for r in answers} == {
        (401, answers[0].text)}
    assert refused(answers[0])
