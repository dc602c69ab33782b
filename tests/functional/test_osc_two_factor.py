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

"""``openstack two factor ...``: the real ``openstack`` binary of the venv,
with this package's plugin, against the suite's Keystone; output read with
``-f json``, the result checked on Keystone itself."""

import json
import os
import pathlib
import re
import subprocess
import sys

import pexpect
import pyotp
import pytest


from tests import cloud as c

OPENSTACK = str(pathlib.Path(sys.executable).parent / 'openstack')


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    """An empty HOME with no clouds.yaml: only the variables given count."""
    return tmp_path_factory.mktemp('osc-home')


def env_of(cloud, home, user, passcode=None, **extra):
    """``user``'s OS_* variables: v3passwordtotp when a code is given."""
    env = c.os_env(cloud, home, user, user.password, OS_AUTH_TYPE='password')
    if passcode is not None:
        env.update(OS_AUTH_TYPE='v3passwordtotp', OS_PASSCODE=passcode)
    env.update(extra)
    return env


def admin_env(cloud, home):
    return env_of(cloud, home, c.admin_user(cloud))


def osc(env, *args, stdin=''):
    return subprocess.run([OPENSTACK, 'two', 'factor', *args], env=env,
                          input=stdin, capture_output=True, text=True,
                          timeout=120)


def as_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def stored(cloud, user):
    """The user's totp credentials as Keystone has them: {id: secret}."""
    creds = cloud.api('GET', '/credentials?user_id=%s&type=totp' % user.id)
    return {cr['id']: cr['blob'] for cr in creds.json()['credentials']}


def one_line_error(result, *private):
    """The refusal: non-zero exit, one line on stderr, no traceback."""
    assert result.returncode != 0
    assert result.stdout == ''
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert 'Traceback' not in result.stderr
    for secret in private:
        assert secret not in result.stderr
    return lines[0]


def test_enable_in_two_steps_then_show(cloud, home):
    user = cloud.create_user()
    env = env_of(cloud, home, user)

    begun = as_json(osc(env, 'enable', '--no-confirm', '--label', 'phone',
                        '-f', 'json'))
    secret = begun['secret']
    assert pyotp.parse_uri(begun['otpauth_uri']).secret == secret
    assert begun['account'] == '%s@Default' % user.name
    assert stored(cloud, user) == {}, 'stored before a code was typed'

    done = as_json(osc(env, 'enable', '--code', c.code_for(secret),
                       '-f', 'json'))

    assert done['enabled'] is True and done['devices'] == 1
    assert done['label'] == 'phone' and done['user_id'] == user.id
    assert len(done['recovery_codes']) == 10
    assert stored(cloud, user) == {done['device_id']: secret}
    assert cloud.login_as(user, user.password).json() == (
        c.ADDITIONAL_STEPS_BODY)
    shown = as_json(osc(env_of(cloud, home, user, c.code_for(secret, 1)),
                        'show', '-f', 'json'))
    assert shown == {
        'user_id': user.id, 'user': user.name, 'domain': 'Default',
        'enabled': True, 'devices': 1, 'recovery_codes_left': 10,
        'pending_enrolment_expires_at': None}


def test_a_wrong_code_is_one_line_and_stores_nothing(cloud, home):
    user = cloud.create_user()
    env = env_of(cloud, home, user)
    secret = as_json(osc(env, 'enable', '--no-confirm', '-f', 'json'))[
        'secret']
    wrong = c.wrong_code(secret)

    result = osc(env, 'enable', '--code', wrong, '-f', 'json')

    line = one_line_error(result, secret, wrong, user.password)
    assert 'The code was not accepted; nothing was stored' in line
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201


def test_enable_at_the_terminal(cloud, home):
    """QR code and prompt on the terminal, the code typed, as people do."""
    user = cloud.create_user()
    child = pexpect.spawn(OPENSTACK, ['two', 'factor', 'enable', '--label',
                                      'tablet'],
                          env=env_of(cloud, home, user, COLUMNS='100'),
                          encoding='utf-8', timeout=60, dimensions=(60, 100))
    child.expect('Scan this QR code')
    child.expect('6-digit code: ')
    secret = pyotp.parse_uri(re.search(
        r'URI: (otpauth://\S+)', child.before).group(1)).secret
    child.sendline(c.code_for(secret))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert '| enabled ' in child.before and 'tablet' in child.before
    assert list(stored(cloud, user).values()) == [secret]


def test_devices_listed_shown_and_deleted(cloud, home):
    user = cloud.create_user(devices=2)
    env = env_of(cloud, home, user, user.code(0))

    listed = as_json(osc(env, 'device', 'list', '-f', 'json'))
    assert {d['ID'] for d in listed} == set(user.credential_ids)
    assert set(listed[0]) == {'ID', 'Label', 'Created At', 'Last Used At'}
    # Each code logs in once: every command below has one of its own.
    env = env_of(cloud, home, user, user.code(1))
    shown = as_json(osc(env, 'device', 'show', user.credential_ids[1],
                        '-f', 'json'))
    assert shown['id'] == user.credential_ids[1]
    for secret in user.secrets:
        assert secret not in json.dumps(listed) + json.dumps(shown)

    # A fresh password+code token proves the second factor: no code asked.
    env = env_of(cloud, home, user, user.code(0, 1))
    result = osc(env, 'device', 'delete', user.credential_ids[0])
    assert result.returncode == 0, result.stderr
    assert list(stored(cloud, user)) == [user.credential_ids[1]]

    missing = osc(env_of(cloud, home, user, user.code(1, 1)), 'device',
                  'show', 'no-such-device')
    assert 'Could not find TOTP device' in one_line_error(missing)


def test_a_token_that_is_not_fresh_needs_a_current_code(cloud, home):
    user = cloud.create_user(devices=1)
    token = as_json(subprocess.run(
        [OPENSTACK, 'token', 'issue', '-f', 'json'],
        env=env_of(cloud, home, user, user.code()), capture_output=True,
        text=True, timeout=120))['id']
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(HOME=str(home), OS_AUTH_URL=cloud.url, OS_AUTH_TYPE='token',
               OS_TOKEN=token, OS_PROJECT_ID=user.project_id,
               OS_IDENTITY_API_VERSION='3')
    wrong = c.wrong_code(*user.secrets)

    refused = osc(env, 'disable', '--yes', '--current-code', wrong)

    assert 'No valid current code' in one_line_error(refused, wrong)
    assert len(stored(cloud, user)) == 1
    ok = osc(env, 'disable', '--yes', '--current-code', user.code(0, 1))
    assert ok.returncode == 0, ok.stderr
    assert stored(cloud, user) == {}


def test_disable_asks_unless_yes(cloud, home):
    user = cloud.create_user(devices=1)
    declined = osc(env_of(cloud, home, user, user.code()), 'disable',
                   stdin='n\n')
    assert 'Cancelled; nothing was removed.' in declined.stderr
    assert declined.returncode != 0 and len(stored(cloud, user)) == 1

    done = osc(env_of(cloud, home, user, user.code(0, 1)), 'disable',
               '--yes')
    assert done.returncode == 0, done.stderr
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201


def test_recovery_codes_created_and_revoked(cloud, home):
    user = cloud.create_user(devices=1)
    env = env_of(cloud, home, user, user.code())

    codes = [row['Recovery Code'] for row in as_json(
        osc(env, 'recovery', 'codes', 'create', '-f', 'json'))]
    assert len(codes) == 10

    env = env_of(cloud, home, user, user.code(0, 1))
    result = osc(env, 'recovery', 'codes', 'revoke')
    assert result.returncode == 0, result.stderr
    assert cloud.login_as(user, user.password + codes[0]).status_code == 401
    assert as_json(osc(admin_env(cloud, home), 'show', '--user', user.id,
                       '-f', 'json'))['recovery_codes_left'] == 0


def test_admin_resets_another_user(cloud, home):
    user = cloud.create_user(devices=1)
    admin = admin_env(cloud, home)

    shown = as_json(osc(admin, 'show', '--user', user.name, '--user-domain',
                        'Default', '-f', 'json'))
    assert (shown['user_id'], shown['devices']) == (user.id, 1)
    reset = osc(admin, 'disable', '--user', user.id, '--yes')
    assert reset.returncode == 0, reset.stderr
    assert stored(cloud, user) == {}


def test_others_are_off_limits_without_the_admin_role(cloud, home):
    user, other = cloud.create_user(), cloud.create_user(devices=1)
    result = osc(env_of(cloud, home, user), 'disable', '--user', other.id,
                 '--yes')
    assert 'Not allowed' in one_line_error(result, user.password)
    assert len(stored(cloud, other)) == 1


def test_the_identity_endpoint_override_is_where_the_calls_go(cloud, home):
    """--os-identity-endpoint-override wins over the catalog.

    Given here as its OS_ variable: a dead override fails, with no fallback
    to the catalog.
    """
    user = cloud.create_user()
    works = env_of(cloud, home, user,
                   OS_IDENTITY_ENDPOINT_OVERRIDE=cloud.url)
    assert as_json(osc(works, 'show', '-f', 'json'))['enabled'] is False

    dead = env_of(cloud, home, user,
                  OS_IDENTITY_ENDPOINT_OVERRIDE='http://127.0.0.1:9/v3')
    line = one_line_error(osc(dead, 'show'), user.password)
    assert '127.0.0.1:9' in line
