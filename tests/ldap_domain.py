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

"""A Keystone domain whose users live in the suite's slapd.

The node serving it (the ``ldap_domain`` fixture in tests/conftest.py) is
another node of the suite's cloud with domain-specific drivers: this domain
reads its users from LDAP, every other one stays in SQL.
"""

import uuid

from tests import cloud as cloud_mod


class LdapDomain:
    """The domain, its node's admin API and its directory."""

    def __init__(self, cloud, domain, directory, config_dir):
        # Ask this node: only it knows the domain's users are in LDAP.
        self.cloud = cloud
        self.id = domain['id']
        self.name = domain['name']
        self.directory = directory
        self.config_dir = config_dir

    def served_by(self, cloud):
        """The same domain and directory, asked through ``cloud``."""
        domain = {'id': self.id, 'name': self.name}
        return LdapDomain(cloud, domain, self.directory, self.config_dir)

    def create_user(self, devices=0, password=None):
        """An LDAP user, its Keystone id, ``devices`` totp credentials.

        The user is added to the directory; Keystone gives it a public id
        the first time it is looked up, here by name.
        """
        name = 'l-' + uuid.uuid4().hex[:12]
        password = password or 'pw-' + uuid.uuid4().hex
        self.directory.add_user(name, password)
        [ref] = self.cloud.api('GET', '/users', params={
            'domain_id': self.id, 'name': name}).json()['users']
        user = cloud_mod.User(ref['id'], name, password, self.id, None)
        for _ in range(devices):
            self.cloud.enrol(user, cloud_mod.new_secret())
        return user

    def failures(self, user):
        """Failed binds slapd's lockout policy recorded for the user."""
        return self.directory.failures(user.name)

    def failed_binds(self, user):
        """Failed binds as the user, counted in slapd's log (past a lock)."""
        return self.directory.failed_binds(user.name)

    def is_locked(self, user):
        return self.directory.is_locked(user.name)

    def unlock(self, user):
        self.directory.unlock(user.name)
