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

"""The login page's texts follow KEYSTONE_TOTP_CODE_LENGTH.

In Horizon's virtualenv, with a minimal Django configuration (no browser):
the reminder, the refusal and the code field's help name the configured
number of digits, 6 when unset, and a length outside 6..8 stops Django's
start-up (the app's ready()).
"""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path(os.environ.get('KTC_HORIZON_VENV', ROOT / '.venv-horizon'))

TEXTS = '''
import json, os
import django
from django.conf import settings
length = os.environ.get('LENGTH')
settings.configure(
    SECRET_KEY='test', USE_I18N=False,
    INSTALLED_APPS=['django.contrib.auth', 'django.contrib.contenttypes',
                    'openstack_auth', 'keystone_totp_concat.horizon.login'],
    **({'KEYSTONE_TOTP_CODE_LENGTH': int(length)} if length else {}))
try:
    django.setup()
except ValueError as e:
    print(json.dumps(['ValueError', str(e)]))
else:
    from keystone_totp_concat.horizon.login import errors, forms
    print(json.dumps([errors.reminder(), errors.refused(),
                      str(forms.CodeField().help_text)]))
'''


def texts(length=None):
    python = VENV.resolve() / 'bin' / 'python'
    if not python.exists():
        pytest.fail('no Horizon virtualenv at %s: run `make test-e2e`' % VENV)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME',
                        'DJANGO_SETTINGS_MODULE')}
    if length is not None:
        env['LENGTH'] = str(length)
    out = subprocess.run([str(python), '-c', TEXTS], capture_output=True,
                         text=True, timeout=60, env=env, cwd=VENV)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize('length', [None, 6, 8])
def test_texts_name_the_configured_number_of_digits(length):
    reminder, refused, help_text = texts(length)
    digits = '%d-digit' % (length or 6)
    assert reminder == ('Two Factor Authentication is enabled for this '
                        'account: type your password again and the %s code '
                        'of your authenticator app.' % digits)
    assert refused.endswith('a new %s code.' % digits)
    assert help_text == 'The %s code of your authenticator app.' % digits


def test_length_outside_6_to_8_stops_horizon_at_start():
    assert texts(9) == ['ValueError',
                        'code length must be from 6 to 8, not 9']
