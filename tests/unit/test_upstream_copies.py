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

"""Upstream code copied by this package, pinned to what was copied.

Each test fails when the installed Keystone or keystoneauth1 changes the
function a copy was made from (tests/upstream.py); the message shows the new
code to compare with the copy. openstack_auth's are in
tests/e2e/test_upstream_openstack_auth.py (Horizon's virtualenv).
"""

import pytest

from tests import upstream

# (module, qualname, fingerprint, what copies it or relies on it)
PINNED = [
    ('keystone.auth.plugins.password', 'Password.authenticate',
     '05749bd81c014fc7',
     'keystone_totp_concat/server/auth/password.py '
     'TOTPConcatPassword._check_password '
     '(the body after the user lookup)'),
    ('keystone.credential.core', 'Manager._decrypt_credential',
     '77379757a16172bf',
     'keystone_totp_concat/server/credentials.py read (decrypts a totp '
     'blob with the credential provider, as the manager does)'),
    ('keystone.credential.backends.sql',
     'Credential.list_credentials_for_user',
     'be15ea1f430f89c6',
     "keystone_totp_concat/server/credentials.py read (the same rows, "
     "from the driver's table)"),
    ('keystoneauth1.loading._plugins.identity.v3', '_assert_identity_options',
     '0036cbab4359cfe4',
     'keystone_totp_concat/client/loader.py '
     'PasswordTOTPLoader.load_from_options (the username/domain check)'),
    ('keystoneauth1.identity.v3.password', 'PasswordMethod.get_auth_data',
     '01a1bba519fc674c',
     'keystone_totp_concat/client/plugin.py PasswordTOTPMethod.get_auth_data '
     "(replaces the password in the method's body)"),
    ('osc_lib.shell', 'OpenStackShell.prepare_to_run_command',
     '77087921b2824478',
     'keystone_totp_concat/osc/two_factor.py EnableTwoFactor.take_action '
     '(runs it again with auth_required set, to log in itself and answer '
     'the set-up 401)'),
    # keystone_totp_concat/server/compat.py: Keystone's private names.
    ('keystone.common.rbac_enforcer.enforcer', 'RBACEnforcer.enforce_call',
     '156d8901f50b93f7',
     'keystone_totp_concat/server/compat.py accept_action_names (the '
     'check against _POSSIBLE_TARGET_ACTIONS it widens)'),
    ('keystone.common.rbac_enforcer.enforcer', 'RBACEnforcer._enforcer',
     '75d41d260d0b39ef',
     'keystone_totp_concat/server/compat.py policy_enforcer (one enforcer '
     'per process, where the rules are registered once)'),
    ('keystone.common.rbac_enforcer.enforcer', 'RBACEnforcer._enforce',
     '1a386c7aa95ef391',
     'keystone_totp_concat/server/compat.py passes (do_raise=False)'),
    ('keystone.common.rbac_enforcer.enforcer',
     'RBACEnforcer._get_oslo_req_context', 'aed68b7945fc5aa3',
     'keystone_totp_concat/server/compat.py request_context'),
    ('keystone.notifications', '_send_audit_notification',
     'e97fda800bdb5f53',
     'keystone_totp_concat/server/compat.py send_audit_notification'),
    ('keystone.notifications', '_get_notifier', '2e03654e3078b470',
     'keystone_totp_concat/server/compat.py notifier'),
    ('keystone.server.flask.application', '_handle_keystone_exception',
     '013f92e79fd81d41',
     'keystone_totp_concat/server/compat.py render_error (the OS-TOTP '
     "error answers, with their kind added)"),
]


def test_compat_module_attribute_is_there():
    """The one private name compat.py reads that is no function."""
    from keystone.common.rbac_enforcer import enforcer

    assert isinstance(enforcer._POSSIBLE_TARGET_ACTIONS, frozenset)


@pytest.mark.parametrize('module, qualname, fingerprint, copy', PINNED,
                         ids=[p[1] for p in PINNED])
def test_upstream_original_is_unchanged(module, qualname, fingerprint, copy):
    upstream.check(upstream.find(module, qualname), fingerprint, copy)


def test_a_changed_original_fails(tmp_path, monkeypatch):
    """The check notices a change of code, not of comments or docstrings."""
    package = tmp_path / 'pinned_pkg'
    package.mkdir()
    (package / '__init__.py').write_text('')
    original = 'def f(x):\n    """Doc."""\n    return x + 1\n'
    (package / 'mod.py').write_text(original)
    monkeypatch.syspath_prepend(str(tmp_path))
    pinned = upstream.find('pinned_pkg.mod', 'f').fingerprint

    (package / 'mod.py').write_text(
        '# a comment\ndef f(x):\n    """Other doc."""\n    return (x +\n'
        '            1)\n')
    upstream.check(upstream.find('pinned_pkg.mod', 'f'), pinned, 'copy')

    (package / 'mod.py').write_text('def f(x):\n    return x + 2\n')
    with pytest.raises(AssertionError) as caught:
        upstream.check(upstream.find('pinned_pkg.mod', 'f'), pinned,
                       'our copy')
    assert 'return x + 2' in str(caught.value)
    assert 'our copy' in str(caught.value)


def test_missing_original_fails():
    with pytest.raises(LookupError):
        upstream.find('keystone.auth.plugins.password', 'Password.gone')
