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

"""``keystone-totp enable/status/disable`` as people and scripts run it.

``keystone-totp enable/status/disable`` as a person or a script runs it:
the installed console script as a subprocess against the suite's Keystone.
"""

import io
import json
import os
import pathlib
import re
import subprocess
import sys
import time
import uuid

import pexpect
import pyotp
import pytest
import segno

import local_keystone

from keystone_totp_concat.cli import errors
from keystone_totp_concat.core import totp
from tests import cloud as c
from tests.conftest import another_node

KEYSTONE_TOTP = str(pathlib.Path(sys.executable).parent / 'keystone-totp')


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    """An empty HOME, so no clouds.yaml of the machine is read."""
    return tmp_path_factory.mktemp('home')


def user_env(cloud, home, user, field=None, **extra):
    return c.os_env(cloud, home, user, field, **extra)


def admin_env(cloud, home):
    admin = c.admin_user(cloud)
    return c.os_env(cloud, home, admin, admin.password)


def run(env, *args, stdin=''):
    return subprocess.run([KEYSTONE_TOTP, *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def stored(cloud, user):
    """The user's totp credentials as Keystone has them: {id: secret}."""
    creds = cloud.api('GET', '/credentials?user_id=%s&type=totp' % user.id)
    return {cr['id']: cr['blob'] for cr in creds.json()['credentials']}


def assert_one_line_error(result, exit_code, *secrets):
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ''
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('keystone-totp: error: ')
    for secret in secrets:
        assert secret not in result.stderr
    return lines[0]


def begin(env):
    """``enable --no-confirm -f json``: the server's secret, shown once."""
    result = run(env, 'enable', '--no-confirm', '-f', 'json')
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- enable --

def test_enable_in_two_steps_turns_2fa_on(cloud, home):
    user = cloud.create_user()
    env = user_env(cloud, home, user, user.password)

    begun = begin(env)
    secret = begun['secret']
    assert len(secret) == 32  # 160 bits, made by Keystone
    assert pyotp.parse_uri(begun['otpauth_uri']).secret == secret
    assert begun['digits'] == 6 and begun['expires_at']
    assert stored(cloud, user) == {}, 'stored before a code was typed'
    assert cloud.login_as(user, user.password).status_code == 201

    code = c.code_for(secret)
    result = run(env, 'enable', '--code', code)

    assert result.returncode == 0, result.stderr
    assert 'Two Factor Authentication is enabled for %s@Default' % user.name \
        in result.stdout
    assert 'directly after the' in result.stdout
    for private in (secret, user.password):
        assert private not in result.stdout + result.stderr
    assert list(stored(cloud, user).values()) == [secret]
    alone = cloud.login_as(user, user.password)
    assert alone.status_code == 401
    assert alone.json() == c.ADDITIONAL_STEPS_BODY
    # The code typed to enable is used up; the next one logs in.
    assert alone.json() == cloud.login_as(user, user.password + code).json()
    assert cloud.login_as(
        user, user.password + c.code_for(secret, 1)).status_code == 201


def test_enable_with_an_unscoped_token(cloud, home):
    """No project given: the Identity API is reached through the auth URL.

    The token has no catalog.
    """
    user = cloud.create_user()
    env = user_env(cloud, home, user, user.password)
    del env['OS_PROJECT_ID']

    secret = begin(env)['secret']
    result = run(env, 'enable', '--code', c.code_for(secret), '-f', 'json')

    assert result.returncode == 0, result.stderr
    assert list(stored(cloud, user).values()) == [secret]


def test_enable_with_wrong_code_stores_nothing(cloud, home):
    user = cloud.create_user()
    env = user_env(cloud, home, user, user.password)
    secret = begin(env)['secret']

    result = run(env, 'enable', '--code', c.wrong_code(secret))

    line = assert_one_line_error(result, 6, secret)
    assert 'nothing was stored' in line
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201


def test_code_without_a_pending_enrolment(cloud, home):
    user = cloud.create_user()
    result = run(user_env(cloud, home, user, user.password),
                 'enable', '--code', '123456')
    assert 'No pending enrolment' in assert_one_line_error(result, 1)


def test_enable_interactive_through_a_terminal(cloud, home, tmp_path):
    """Enrolment typed at a terminal.

    QR and key shown, a wrong code refused by Keystone, a right one stores
    the secret. The password is typed at the prompt.
    """
    user = cloud.create_user()
    qr_file = tmp_path / 'qr.png'
    env = user_env(cloud, home, user, COLUMNS='100', LINES='60')
    child = pexpect.spawn(KEYSTONE_TOTP, ['enable', '--qr-file', str(qr_file),
                                          '--issuer', 'Test Cloud',
                                          '--label', 'phone'],
                          env=env, encoding='utf-8', timeout=30,
                          dimensions=(60, 100))
    child.expect('Password: ')
    child.sendline(user.password)
    child.expect('Scan this QR code')
    child.expect('6-digit code: ')
    shown = child.before
    uri = re.search(r'URI: (otpauth://\S+)', shown).group(1)
    otp = pyotp.parse_uri(uri)
    secret = otp.secret
    assert len(secret) == 32  # 160 bits
    assert (otp.name, otp.issuer) == ('%s@Default' % user.name, 'Test Cloud')
    assert ' '.join(re.findall('.{4}', secret)) in shown
    expected_qr = io.StringIO()
    segno.make(uri, micro=False).terminal(out=expected_qr, compact=True)
    assert expected_qr.getvalue().replace('\n', '\r\n') in shown
    assert stored(cloud, user) == {}, 'stored before a code was typed'

    child.sendline(c.wrong_code(secret))
    child.expect('does not match')
    child.expect('6-digit code: ')
    assert stored(cloud, user) == {}
    code = c.code_for(secret)
    child.sendline(code[:3] + ' ' + code[3:])
    child.expect('Two Factor Authentication is enabled')
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert list(stored(cloud, user).values()) == [secret]
    assert qr_file.read_bytes().startswith(b'\x89PNG')
    assert qr_file.stat().st_mode & 0o777 == 0o600
    status = run(user_env(cloud, home, user,
                          user.password + c.code_for(secret, 1)), 'status')
    assert ' phone ' in status.stdout


def test_enable_refuses_when_enrolled_unless_add_device(cloud, home):
    """--add-device with a fresh password+code login.

    One code to log in, one of the new device; no other code asked.
    """
    user = cloud.create_user(devices=1)
    first = user.secrets[0]

    refused = run(user_env(cloud, home, user, user.password + user.code()),
                  'enable')
    line = assert_one_line_error(refused, 5)
    assert 'already enabled' in line and '--add-device' in line

    env = user_env(cloud, home, user, user.password + user.code(0, 1),
                   COLUMNS='100', LINES='60')
    child = pexpect.spawn(KEYSTONE_TOTP, ['enable', '--add-device',
                                          '-f', 'json'],
                          env=env, encoding='utf-8', timeout=30,
                          dimensions=(60, 100))
    child.expect('6-digit code: ')
    second = pyotp.parse_uri(
        re.search(r'URI: (otpauth://\S+)', child.before).group(1)).secret
    child.sendline(c.code_for(second))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    result = json.loads(child.before[child.before.index('{'):])
    assert result['enabled'] is True and result['devices'] == 2
    assert result['user_id'] == user.id
    assert stored(cloud, user) == {user.credential_ids[0]: first,
                                   result['credential_id']: second}
    assert cloud.login_as(
        user, user.password + c.code_for(second, 1)).status_code == 201


# -- status --

def test_status_text_and_json(cloud, home):
    enrolled = cloud.create_user(devices=2)
    plain = cloud.create_user()

    text = run(user_env(cloud, home, enrolled,
                        enrolled.password + enrolled.code(1)), 'status')
    as_json = run(user_env(cloud, home, enrolled,
                           enrolled.password + enrolled.code(0, 0)),
                  'status', '-f', 'json')
    off = run(user_env(cloud, home, plain, plain.password),
              'status', '-f', 'json')

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == (
        'Two Factor Authentication is on for %s@Default (2 devices).'
        % enrolled.name)
    assert {line.split()[0] for line in lines[1:-1]} == set(
        enrolled.credential_ids)
    # Enrolled through /v3/credentials by the admin: no recovery codes.
    assert lines[-1] == 'Recovery codes left: 0'
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert {d['id'] for d in data.pop('device_list')} == set(
        enrolled.credential_ids)
    assert data == {
        'user_id': enrolled.id, 'user': enrolled.name, 'domain': 'Default',
        'enabled': True, 'devices': 2, 'recovery_codes_left': 0}
    for secret in enrolled.secrets:
        assert secret not in text.stdout + as_json.stdout
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)['enabled'] is False
    assert json.loads(off.stdout)['devices'] == 0


def test_recovery_codes_shown_once_counted_and_regenerated(cloud, home):
    user = cloud.create_user()
    env = user_env(cloud, home, user, user.password)
    secret = begin(env)['secret']
    result = run(env, 'enable', '--code', c.code_for(secret), '-f', 'json')
    assert result.returncode == 0, result.stderr
    codes = json.loads(result.stdout)['recovery_codes']
    assert len(codes) == 10
    text = run(user_env(cloud, home, user, user.password + codes[0]),
               'status')
    assert 'Recovery codes left: 9' in text.stdout, text.stderr
    assert not any(code in text.stdout for code in codes)

    env = user_env(cloud, home, user, user.password + codes[1])
    result = run(env, 'recovery-codes')
    assert result.returncode == 0, result.stderr
    new = re.findall(r'^    (\S{4}-\S{4}-\S{4})$', result.stdout, re.M)
    assert len(new) == 10 and not set(new) & set(codes)
    assert 'the old ones no longer work' in result.stdout
    assert cloud.login_as(user, user.password + codes[2]).status_code == 401
    assert cloud.login_as(user, user.password + new[0]).status_code == 201


@pytest.fixture(scope='module')
def eight_digits(keystone, tmp_path_factory):
    with another_node(keystone, tmp_path_factory, 'cli-eight-digits',
                      overrides={'totp_concat': {'code_length': 8}}) as node:
        yield node


def code8(secret, offset_steps=0):
    return totp.code_at_step(
        secret, totp.time_step(time.time()) + offset_steps, 8)


def test_eight_digit_codes_end_to_end(cloud, home, eight_digits):
    """A cloud at code_length = 8, end to end.

    A cloud at code_length = 8: the URI says 8 digits, the CLI asks for
    8 and confirms with 8, and logins through the CLI and the raw API take
    the password followed by 8 digits.
    """
    user = cloud.create_user()
    # The node shares the suite's catalog, which names the suite's node:
    # the CLI is pointed at this one, as operators override an endpoint.
    node = {'OS_AUTH_URL': eight_digits.url,
            'OS_IDENTITY_ENDPOINT_OVERRIDE': eight_digits.url}
    env = user_env(cloud, home, user, user.password, **node)
    begun = begin(env)
    assert begun['digits'] == 8
    assert pyotp.parse_uri(begun['otpauth_uri']).digits == 8
    six = c.code_for(begun['secret'])
    result = run(env, 'enable', '--code', six)
    assert result.returncode == errors.CODE_INVALID, result.stderr
    result = run(env, 'enable', '--code', code8(begun['secret']))
    assert result.returncode == 0, result.stderr

    env = user_env(cloud, home, user,
                   user.password + code8(begun['secret'], 1), **node)
    result = run(env, 'status')
    assert result.returncode == 0, result.stderr
    assert 'is on for' in result.stdout
    # A password that ends in a letter: two final digits could complete the
    # 6-digit code to the right 8-digit one, and Keystone would then refuse
    # the shortened password with its own 401 (test_client_code_length).
    other = cloud.create_user(devices=1,
                              password='pw-%s-x' % uuid.uuid4().hex)
    r = cloud.login_as(other, other.password + c.code_for(other.secrets[0]),
                       url=eight_digits.url)
    assert r.json() == c.ADDITIONAL_STEPS_BODY
    r = cloud.login_as(other, other.password + code8(other.secrets[0]),
                       url=eight_digits.url)
    assert r.status_code == 201, r.text


# -- disable --

def test_disable_asks_for_confirmation(cloud, home):
    user = cloud.create_user(devices=2)

    declined = run(user_env(cloud, home, user, user.password + user.code(0)),
                   'disable', stdin='n\n')
    assert declined.returncode == 1
    assert 'Remove 2 devices of %s@Default' % user.name in declined.stdout
    assert 'Cancelled; nothing was removed.' in declined.stderr
    assert len(stored(cloud, user)) == 2

    confirmed = run(user_env(cloud, home, user, user.password + user.code(1)),
                    'disable', stdin='y\n')
    assert confirmed.returncode == 0, confirmed.stderr
    assert 'Two Factor Authentication is off' in confirmed.stdout
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201


def test_disable_yes_then_again_is_already_off(cloud, home):
    user = cloud.create_user(devices=1)

    result = run(user_env(cloud, home, user, user.password + user.code()),
                 'disable', '--yes', '-f', 'json')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['removed'] == 1
    assert json.loads(result.stdout)['enabled'] is False
    assert stored(cloud, user) == {}

    again = run(user_env(cloud, home, user, user.password), 'disable', '--yes')
    assert 'not enabled' in assert_one_line_error(again, 5)


def test_disable_one_device(cloud, home):
    user = cloud.create_user(devices=2)
    result = run(user_env(cloud, home, user, user.password + user.code(1)),
                 'disable', '--yes', '--device', user.credential_ids[0])
    assert result.returncode == 0, result.stderr
    assert '1 device left' in result.stdout
    assert list(stored(cloud, user)) == [user.credential_ids[1]]


def test_a_token_that_is_not_fresh_needs_a_current_code(cloud, home):
    """A token that is not fresh needs --current-code, else the prompt.

    The token of keystone-totp login is re-issued, so not fresh.
    """
    user = cloud.create_user(devices=1)
    logged_in = run(user_env(cloud, home, user, user.password + user.code()),
                    'login', '-f', 'json')
    assert logged_in.returncode == 0, logged_in.stderr
    token_env = {k: v for k, v in os.environ.items()
                 if not k.startswith('OS_')}
    token_env['HOME'] = str(home)
    token_env.update({k: v for k, v in json.loads(logged_in.stdout).items()
                      if k.startswith('OS_')})

    no_code = run(token_env, 'disable', '--yes')  # asks; stdin is empty
    assert no_code.returncode == 6, no_code.stderr
    assert 'Current code: ' in no_code.stdout
    assert no_code.stderr.startswith('keystone-totp: error: No valid '
                                     'current code')
    assert len(stored(cloud, user)) == 1

    wrong = run(token_env, 'disable', '--yes', '--current-code',
                c.wrong_code(*user.secrets))
    assert wrong.returncode == 6, wrong.stderr
    assert 'not accepted' in wrong.stderr
    assert len(stored(cloud, user)) == 1

    ok = run(token_env, 'disable', '--yes', '--current-code',
             user.code(0, 1))
    assert ok.returncode == 0, ok.stderr
    assert stored(cloud, user) == {}


# -- admin mode: the lost-phone reset --

def test_admin_acts_on_another_user(cloud, home):
    user = cloud.create_user(devices=1)
    admin = admin_env(cloud, home)

    status = run(admin, 'status', '--user', user.name, '-f', 'json')
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)['user_id'] == user.id
    assert json.loads(status.stdout)['devices'] == 1

    reset = run(admin, 'disable', '--user', user.id, '--yes')
    assert reset.returncode == 0, reset.stderr
    assert stored(cloud, user) == {}

    begun = run(admin, 'enable', '--user', user.name, '--user-domain',
                'Default', '--no-confirm', '-f', 'json')
    assert begun.returncode == 0, begun.stderr
    secret = json.loads(begun.stdout)['secret']
    enrol = run(admin, 'enable', '--user', user.name, '--code',
                c.code_for(secret))
    assert enrol.returncode == 0, enrol.stderr
    assert '%s@Default' % user.name in enrol.stdout
    assert list(stored(cloud, user).values()) == [secret]
    assert stored(cloud, c.User(cloud.admin.get_user_id(), 'admin', '', '',
                                '')) == {}


def test_non_admin_cannot_act_on_another_user(cloud, home):
    user, other = cloud.create_user(), cloud.create_user(devices=1)

    result = run(user_env(cloud, home, user, user.password),
                 'disable', '--user', other.name, '--yes')

    assert 'Not allowed' in assert_one_line_error(result, 1)
    assert len(stored(cloud, other)) == 1


def test_unknown_user_in_admin_mode(cloud, home):
    result = run(admin_env(cloud, home), 'status', '--user', 'no-such-user')
    assert "No user with name or ID 'no-such-user'" in assert_one_line_error(
        result, 1)


# -- failures are one line, never a traceback --

def test_unreachable_keystone(cloud, home):
    user = c.User('x', 'nobody', 'pw-never-shown', 'default', 'p')
    env = user_env(cloud, home, user, user.password, OS_AUTH_URL=(
        'http://127.0.0.1:%d/v3' % local_keystone.free_port()))

    result = run(env, 'status')

    line = assert_one_line_error(result, 4, user.password)
    assert 'Cannot reach Keystone at http://127.0.0.1:' in line


def test_bad_password(cloud, home):
    user = cloud.create_user()
    wrong = 'not-' + user.password

    result = run(user_env(cloud, home, user, wrong), 'status')

    line = assert_one_line_error(result, 3, wrong, user.password)
    assert 'Authentication failed' in line


def test_enrolled_user_without_code_is_told_about_2fa(cloud, home):
    user = cloud.create_user(devices=1)

    result = run(user_env(cloud, home, user, user.password), 'status')

    line = assert_one_line_error(result, 3, user.password)
    assert 'Two Factor Authentication is enabled' in line


def test_clouds_yaml_and_os_cloud(cloud, tmp_path):
    """The standard OpenStack configuration: a named cloud in clouds.yaml.

    Password+code in it, no OS_* variable at all.
    """
    user = cloud.create_user(devices=1)
    config = tmp_path / '.config' / 'openstack'
    config.mkdir(parents=True)
    (config / 'clouds.yaml').write_text(json.dumps({'clouds': {'lab': {
        'auth': {'auth_url': cloud.url, 'username': user.name,
                 'password': user.password + user.code(),
                 'user_domain_id': 'default', 'project_id': user.project_id},
        'identity_api_version': 3}}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['HOME'] = str(tmp_path)

    result = run(env, '--os-cloud', 'lab', 'status', '-f', 'json')

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['user_id'] == user.id
    assert json.loads(result.stdout)['devices'] == 1
