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

"""The parts of ``keystone-totp`` that need no Keystone.

Argument checks made before authenticating, error wording, shell output.
"""

import json
import os
import subprocess
import time

from keystoneauth1 import exceptions as ksa_exc
import pytest
import requests

from keystone_totp_concat.cli import auth
from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import login
from keystone_totp_concat.cli import main
from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import protocol
from keystone_totp_concat.core import totp

SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'


@pytest.fixture
def no_cloud(monkeypatch, tmp_path):
    """No OS_* variables and no clouds.yaml.

    Any attempt to authenticate would fail with 'auth_url', so these tests
    prove none is made.
    """
    for name in list(os.environ):
        if name.startswith('OS_'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path))


def code(offset_steps):
    step = totp.time_step(time.time()) + offset_steps
    return totp.code_at_step(SECRET, step)


@pytest.mark.parametrize('argv,needle', [
    (['enable', '--code', '123456', '--no-confirm'], '--code confirms'),
    (['enable', '--code', '123456', '--qr-file', 'qr.png'], '--code confirms'),
    (['enable', '--qr-file', 'qr.jpg'], '.png or .svg'),
])
def test_usage_errors_before_authenticating(no_cloud, capsys, argv, needle):
    assert main.main(argv) == errors.USAGE
    out, err = capsys.readouterr()
    assert out == ''
    assert err.count('\n') == 1 and needle in err
    assert 'not base32!' not in err and 'JBSWY3DPEHPK3PXP' not in err


@pytest.mark.parametrize('argv', [[], ['frobnicate'], ['status', '-f', 'xml'],
                                  ['enable', '--no-such-option']])
def test_bad_command_lines_are_one_line_usage_errors(no_cloud, capsys, argv):
    assert main.main(argv) == errors.USAGE
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('keystone-totp')
    assert '--help' in err


def test_missing_auth_options_is_one_line(no_cloud, capsys):
    assert main.main(['status']) == errors.USAGE
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'auth_url' in err


def test_unknown_cloud_is_one_line(no_cloud, capsys):
    assert main.main(['--os-cloud', 'nowhere', 'status']) == errors.USAGE
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'nowhere' in err


def test_help_lists_commands_and_exit_codes(no_cloud, capsys):
    with pytest.raises(SystemExit) as exc:
        main.main(['--help'])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ('enable', 'status', 'disable', 'login', '--os-cloud',
                 '--os-auth-url', 'exit codes'):
        assert word in out


def test_spaces_inside_a_typed_code_are_ignored():
    typed = code(0)[:3] + ' ' + code(0)[3:] + '\n'
    assert steps.without_spaces(typed) == code(0)


def _http_error(cls, status, body):
    """A keystoneauth HTTP error carrying a real requests.Response.

    As keystoneauth builds it from Keystone's answer.
    """
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return cls(message=body['error']['message'], http_status=status,
               response=response)


def test_additional_steps_answer_says_2fa_is_on():
    exc = _http_error(ksa_exc.Unauthorized, 401, {'error': {
        'message': protocol.ADDITIONAL_STEPS_MESSAGE, 'code': 401,
        'identity': None, 'title': 'Unauthorized'}})
    failure = auth.translate(exc)
    assert failure.exit_code == errors.AUTH_FAILED
    assert 'Two Factor Authentication is enabled' in failure.message
    assert 'directly after the password' in failure.message


def test_plain_401_is_a_generic_authentication_failure():
    exc = _http_error(ksa_exc.Unauthorized, 401, {'error': {
        'message': 'The request you have made requires authentication.',
        'code': 401, 'title': 'Unauthorized'}})
    failure = auth.translate(exc)
    assert failure.exit_code == errors.AUTH_FAILED
    assert 'Two Factor' not in failure.message


def test_a_plugins_own_unauthorized_message_is_kept():
    class CodeRequired(ksa_exc.Unauthorized):
        message = 'give the code'
    failure = auth.translate(CodeRequired())
    assert failure.exit_code == errors.AUTH_FAILED
    assert failure.message.startswith('Authentication failed: give the code')


def test_connection_failure_names_url_and_reason():
    exc = ksa_exc.ConnectFailure(
        'Unable to establish connection to http://h/v3/auth/tokens: '
        "HTTPConnectionPool(host='h', port=1): Max retries exceeded "
        '(Caused by NewConnectionError("<conn>: Failed to establish a new '
        'connection: [Errno 111] Connection refused"))')
    failure = auth.translate(exc, 'http://h/v3')
    assert failure.exit_code == errors.UNREACHABLE
    assert failure.message == (
        'Cannot reach Keystone at http://h/v3 (Connection refused).')


def test_forbidden_and_other_http_errors():
    forbidden = auth.translate(_http_error(ksa_exc.Forbidden, 403, {
        'error': {'message': 'You are not authorized.'}}))
    conflict = auth.translate(_http_error(ksa_exc.Conflict, 409, {
        'error': {'message': 'Duplicate\nentry'}}))
    assert (forbidden.exit_code, conflict.exit_code) == (1, 1)
    assert forbidden.message.startswith('Not allowed')
    assert conflict.message.startswith('Keystone error: Duplicate entry')


def test_login_shell_lines_survive_eval():
    """The exports are quoted for the shell: a real bash evaluates them."""
    env = {'OS_AUTH_TYPE': 'v3token', 'OS_TOKEN': "gAAA'$(x)\"; echo no",
           'OS_AUTH_URL': 'http://h:5000/v3', 'OS_PROJECT_ID': 'p1'}
    script = login.shell_lines(env) + (
        '\necho "$OS_TOKEN|$OS_PROJECT_ID|${OS_PASSWORD-unset}|'
        '${OS_CLOUD-unset}|${OS_USERNAME-unset}"')
    result = subprocess.run(
        ['bash', '-c', script], capture_output=True, text=True, check=True,
        env={'PATH': os.environ['PATH'], 'OS_PASSWORD': 'pw',
             'OS_CLOUD': 'c', 'OS_USERNAME': 'u', 'OS_PROJECT_ID': 'old'})
    assert result.stdout == "gAAA'$(x)\"; echo no|p1|unset|unset|unset\n"


def test_debug_adds_a_traceback(no_cloud, capsys):
    assert main.main(['--debug', 'status']) == errors.USAGE
    err = capsys.readouterr().err
    assert 'Traceback' in err
    assert err.rstrip().splitlines()[-1].startswith('keystone-totp: error:')


def test_a_keystone_without_the_api_is_named():
    from keystone_totp_concat.client import os_totp
    failure = steps.refused(os_totp.NotServed(
        404, 'The resource could not be found.'))
    assert 'does not serve the OS-TOTP API' in failure.message
    assert failure.exit_code == errors.ERROR
    policy = steps.refused(os_totp.Forbidden(
        403, 'You are not authorized to perform the requested action: '
        'identity:get_totp_status.'))
    assert policy.message.startswith('Not allowed: ')
