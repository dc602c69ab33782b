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

"""A credential driver other than ``sql`` is asked past Keystone's cache.

Keystone ships no such driver, so a stand-in driver and provider are used
here: what matters is that the manager's memoized list is never read (a
list cached before an enrolment on another node would say "not enrolled")
and that only exact ``totp`` credentials of the user count.
"""

import types

from keystone_totp_concat.server import credentials

USER = 'a' * 32
ROWS = [
    {'id': 'dev', 'type': 'totp', 'user_id': USER, 'encrypted_blob': 'e1'},
    {'id': 'caps', 'type': 'TOTP', 'user_id': USER, 'encrypted_blob': 'e2'},
    {'id': 'case', 'type': 'totp', 'user_id': USER.upper(),
     'encrypted_blob': 'e3'},
]
SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'


class Manager:
    def list_credentials_for_user(self, *args, **kwargs):
        raise AssertionError('the memoized manager list was read')


def stand_ins(monkeypatch):
    asked = []

    def list_credentials_for_user(user_id, type=None):
        asked.append((user_id, type))
        return [dict(row) for row in ROWS]

    manager = Manager()
    manager.driver = types.SimpleNamespace(
        list_credentials_for_user=list_credentials_for_user)
    providers = types.SimpleNamespace(
        credential_api=manager,
        credential_provider_api=types.SimpleNamespace(
            decrypt=lambda blob: SECRET if blob == 'e1' else 'unused'))
    conf = types.SimpleNamespace(
        credential=types.SimpleNamespace(driver='other'))
    monkeypatch.setattr(credentials, 'PROVIDERS', providers)
    monkeypatch.setattr(credentials, 'CONF', conf)
    return asked


def test_read_asks_the_driver_and_keeps_exact_devices(monkeypatch):
    asked = stand_ins(monkeypatch)
    enrolment = credentials.read(None, USER)
    assert asked == [(USER, 'totp')]
    assert enrolment.enrolled and enrolment.credential_ids == ['dev']
    assert enrolment.secrets == [SECRET]


def test_device_ids_ask_the_driver(monkeypatch):
    asked = stand_ins(monkeypatch)
    assert credentials.device_ids(USER) == ['dev']
    assert asked == [(USER, 'totp')]
