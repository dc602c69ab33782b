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

"""openstack_auth code the Horizon extension copies or relies on, pinned.

openstack_auth is installed in Horizon's virtualenv only, so the code is
read there (``python -m tests.upstream`` with that virtualenv's Python);
``make test-e2e`` runs these with the browser tests. See tests/upstream.py.
"""

import json
import os
import pathlib
import subprocess

import pytest

from tests import upstream

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path(os.environ.get('KTC_HORIZON_VENV', ROOT / '.venv-horizon'))

# (module, qualname, fingerprint, what copies it or relies on it)
PINNED = [
    ('openstack_auth.plugin.password', 'PasswordPlugin.get_plugin',
     '317d9930fe17856d',
     'keystone_totp_concat/horizon/login/plugin.py PasswordPlugin.get_plugin '
     '(a copy, with the 2FA-aware _Password and without the debug line)'),
    ('openstack_auth.views', 'login', 'ed7999d48a60aff4',
     'keystone_totp_concat/horizon/login/apps.py (the view must build its '
     'form from the forms.Login attribute at request time) and views.py '
     'login (an exception of the form other than the expired password and '
     'KeystoneTOTPRequired must come out of the view)'),
    ('openstack_auth.forms', 'Login.clean', 'fc03003f9b56debf',
     'keystone_totp_concat/horizon/login/forms.py Login.clean (a '
     'KeystoneAuthException must come out as a ValidationError holding it)'),
]


def horizon_upstream(module, qualname):
    python = VENV.resolve() / 'bin' / 'python'
    if not python.exists():
        pytest.fail('no Horizon virtualenv at %s: run `make test-e2e`' % VENV)
    out = subprocess.run(
        [str(python), '-m', 'tests.upstream', module, qualname],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items()
             if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME')})
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout)
    assert found['path'].startswith(str(VENV.resolve())), found['path']
    del found['fingerprint']
    return upstream.Upstream(**found)


@pytest.mark.parametrize('module, qualname, fingerprint, copy', PINNED,
                         ids=[p[1] for p in PINNED])
def test_openstack_auth_original_is_unchanged(module, qualname, fingerprint,
                                              copy):
    upstream.check(horizon_upstream(module, qualname), fingerprint, copy)
