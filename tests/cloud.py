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

"""Drive a real Keystone over HTTP: admin set-up calls and login requests."""

import dataclasses
import os
import time
import uuid

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import local_keystone  # tools/, put on sys.path by tests/conftest.py
import pyotp
import requests
import sqlalchemy

from keystone_totp_concat.core import totp

ADDITIONAL_STEPS_BODY = {
    'error': {
        'message': 'Additional authentications steps required.',
        'code': 401,
        'identity': None,
        'title': 'Unauthorized',
    }
}


@dataclasses.dataclass
class User:
    # No password or secret in the repr: pytest prints it when an assertion
    # about the user fails.
    id: str
    name: str
    password: str = dataclasses.field(repr=False)
    domain_id: str
    project_id: str
    secrets: list = dataclasses.field(default_factory=list, repr=False)
    credential_ids: list = dataclasses.field(default_factory=list)

    def code(self, index=0, offset_steps=0):
        """A currently valid code of device ``index``."""
        return code_for(self.secrets[index], offset_steps)


def code_for(secret, offset_steps=0):
    step = totp.time_step(time.time()) + offset_steps
    return totp.code_at_step(secret, step)


def wrong_code(*secrets):
    """A well-formed code that no secret accepts anywhere near now."""
    now = time.time()
    taken = {
        c for s in secrets for c in totp.window_codes(s, now, 3, 3).values()
    }
    for n in range(1000000):
        candidate = '%06d' % ((n * 7919 + 123457) % 1000000)
        if candidate not in taken:
            return candidate


def new_secret():
    return pyotp.random_base32(32)


def password_auth(user_ref, field, passcode=None, methods=None, scope=None):
    """A POST /v3/auth/tokens body for the password method."""
    user = dict(user_ref)
    if field is not None:
        user['password'] = field
    if passcode is not None:
        user['passcode'] = passcode
    body = {
        'auth': {
            'identity': {
                'methods': methods or ['password'],
                'password': {'user': user},
            }
        }
    }
    if scope is not None:
        body['auth']['scope'] = scope
    return body


class Cloud:
    """The suite's Keystone, seen by its admin and by anonymous clients."""

    def __init__(self, keystone, admin_password):
        self.keystone = keystone
        self.url = keystone.url
        auth = v3.Password(
            auth_url=self.url, username='admin', password=admin_password,
            user_domain_id='default', project_name='admin',
            project_domain_id='default',
        )
        self.admin = ks_session.Session(auth=auth)
        self.http = requests.Session()
        self.db = sqlalchemy.create_engine(keystone.database)

    def sql(self, statement, **params):
        """Run SQL on Keystone's database.

        Run SQL on Keystone's database, for states the API cannot make
        (an expired password) or to observe what a request changed.
        """
        with self.db.begin() as conn:
            result = conn.execute(sqlalchemy.text(statement), params)
            return result.fetchall() if result.returns_rows else None

    def api(self, method, path, **kwargs):
        kwargs.setdefault('raise_exc', True)
        return self.admin.request(self.url + path, method, **kwargs)

    def create_user(self, devices=0, password=None, secrets=None,
                    domain_id='default', **extra):
        """A user with a project role and ``devices`` totp credentials."""
        name = 'u-' + uuid.uuid4().hex[:12]
        password = password or 'pw-' + uuid.uuid4().hex
        project = self.api('POST', '/projects', json={'project': {
            'name': name, 'domain_id': domain_id}}).json()['project']
        ref = self.api('POST', '/users', json={'user': dict(
            name=name, password=password, domain_id=domain_id,
            default_project_id=project['id'], **extra)}).json()['user']
        role = self.api('GET', '/roles?name=member').json()['roles'][0]
        self.api('PUT', '/projects/%s/users/%s/roles/%s' % (
            project['id'], ref['id'], role['id']))
        user = User(ref['id'], name, password, domain_id, project['id'])
        for secret in secrets or [new_secret() for _ in range(devices)]:
            self.enrol(user, secret)
        return user

    def enrol(self, user, secret):
        cred = self.api('POST', '/credentials', json={'credential': {
            'type': 'totp', 'user_id': user.id, 'blob': secret}}).json()
        user.secrets.append(secret)
        user.credential_ids.append(cred['credential']['id'])
        return cred['credential']['id']

    def plant_unusable(self, user, blob):
        """A totp credential whose blob is no usable secret; its id.

        The API refuses such a blob for a totp credential, so it is made
        as another type and retyped in the database, as one left from
        before that check would be.
        """
        cred = self.api('POST', '/credentials', json={'credential': {
            'type': 'cert', 'user_id': user.id, 'blob': blob}}).json()
        credential_id = cred['credential']['id']
        self.sql("UPDATE credential SET type = 'totp' WHERE id = :i",
                 i=credential_id)
        user.credential_ids.append(credential_id)
        return credential_id

    def login(self, body, url=None):
        return self.http.post((url or self.url) + '/auth/tokens', json=body)

    def login_as(self, user, field, passcode=None, by='name', url=None,
                 **kwargs):
        if by == 'name':
            ref = {'name': user.name, 'domain': {'id': user.domain_id}}
        else:
            ref = {'id': user.id}
        return self.login(password_auth(ref, field, passcode, **kwargs), url)


def os_env(cloud, home, user, field=None, **extra):
    """``user``'s OS_* environment for a command-line client.

    ``field`` is the password field (the password, maybe + code); HOME is
    ``home``, so no clouds.yaml of the machine is read.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(
        HOME=str(home), OS_AUTH_URL=cloud.url, OS_USERNAME=user.name,
        OS_USER_DOMAIN_ID=user.domain_id, OS_PROJECT_ID=user.project_id,
        OS_IDENTITY_API_VERSION='3',
    )
    if field is not None:
        env['OS_PASSWORD'] = field
    env.update(extra)
    return env


def admin_user(cloud):
    """The cloud's admin, as a User (its project is the admin project)."""
    return User(cloud.admin.get_user_id(), 'admin',
                local_keystone.ADMIN_PASSWORD, 'default',
                cloud.admin.get_project_id())
