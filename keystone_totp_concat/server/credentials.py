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

"""Reading a user's TOTP secrets from Keystone's credential table.

A credential is a device of a user only when its type is exactly ``totp``
and its user id exactly the user's, byte for byte (is_device). The SQL
filters stay, for the index, but MariaDB's collation also lets through
``TOTP``, ``tótp``, ``totp `` or a user id differing in case: every row
is checked again in Python.
"""

from keystone.common import provider_api
from keystone.common import sql
import keystone.conf
from keystone.credential.backends import sql as credential_sql
from keystone import exception
from oslo_log import log
import sqlalchemy as sa

from keystone_totp_concat.core import totp

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
CREDENTIAL_TYPE = 'totp'

_CREDENTIAL = credential_sql.CredentialModel.__table__
_WHERE = (_CREDENTIAL.c.user_id == sa.bindparam('user_id'),
          _CREDENTIAL.c.type == CREDENTIAL_TYPE)
_SELECT = sa.select(_CREDENTIAL.c.id, _CREDENTIAL.c.encrypted_blob,
                    _CREDENTIAL.c.type, _CREDENTIAL.c.user_id).where(*_WHERE)
_SELECT_IDS = sa.select(_CREDENTIAL.c.id, _CREDENTIAL.c.type,
                        _CREDENTIAL.c.user_id).where(*_WHERE)


def is_device(credential_type, owner_id, user_id):
    """Whether a credential of this type and owner is a device of the user.

    Exact comparison: what the database's collation equates does not count.
    """
    return (isinstance(credential_type, str) and isinstance(owner_id, str)
            and credential_type == CREDENTIAL_TYPE and owner_id == user_id)


def device_ids(user_id):
    """Ids of the user's devices (usable or not), as the database has them.

    Read from the credential table without Keystone's cache, so that what
    was just created or deleted on any node counts.
    """
    if CONF.credential.driver != 'sql':
        return [c['id'] for c in _listed(user_id)]
    with sql.session_for_read() as session:
        return [row.id for row in session.execute(
            _SELECT_IDS, {'user_id': user_id})
            if is_device(row.type, row.user_id, user_id)]


def _listed(user_id):
    """The user's devices as a non-SQL credential driver lists them.

    Asked of the driver itself, not of Keystone's manager, whose list is
    memoized per node ([credential] caching): a cached list from before an
    enrolment on another node would say "not enrolled". Blobs are still
    encrypted (``encrypted_blob``).
    """
    driver = PROVIDERS.credential_api.driver
    return [c for c in driver.list_credentials_for_user(user_id,
                                                        CREDENTIAL_TYPE)
            if is_device(c.get('type'), c.get('user_id'), user_id)]


class Enrolment:
    """A user's TOTP devices: enrolled as soon as one credential exists.

    A credential whose secret is unusable still counts as enrolment, so a
    broken blob can never turn 2FA off; its secret is just not in ``secrets``.
    ``credential_ids[i]`` is the id of the credential holding ``secrets[i]``,
    which the replay record is keyed on.
    """

    def __init__(self, secrets, credential_count, credential_ids):
        self.secrets = secrets
        self.enrolled = credential_count > 0
        self.credential_ids = list(credential_ids)


class Unreadable(Exception):
    """The credentials could not be read; ``failure`` names the cause."""

    def __init__(self, failure):
        super().__init__(failure)
        self.failure = failure


def read(session, user_id):
    """The user's Enrolment, read in ``session`` of Keystone's database.

    With Keystone's SQL credential driver, one SELECT on its ``credential``
    table, each blob decrypted by Keystone's credential provider as its
    manager does (Manager._decrypt_credential, pinned by a test): a login
    reads its credentials in the transaction that records its code, and
    never through Keystone's cache. Any other driver is asked directly,
    past the manager's cache. Raises Unreadable on any failure, database or
    decryption.
    """
    try:
        decrypt = PROVIDERS.credential_provider_api.decrypt
        if CONF.credential.driver != 'sql':
            return _enrolment(user_id, [
                (c['id'], decrypt(c['encrypted_blob']))
                for c in _listed(user_id)])
        return _enrolment(user_id, [
            (row.id, decrypt(row.encrypted_blob))
            for row in session.execute(_SELECT, {'user_id': user_id})
            if is_device(row.type, row.user_id, user_id)])
    except Exception as e:
        raise Unreadable(type(e).__name__)


def load_enrolment(user_id):
    """Return the user's Enrolment from their ``totp`` credentials.

    When the credentials cannot be read (database or decryption failure)
    this raises Keystone's Unauthorized: without knowing whether a second
    factor is required, the only safe answer is no token, never a fallback
    to the password alone.
    """
    try:
        with sql.session_for_read() as session:
            return read(session, user_id)
    except Unreadable as e:
        failure = e.failure
    except Exception as e:
        failure = type(e).__name__
    raise refusal(user_id, failure)


def refusal(user_id, failure):
    """Log why the credentials are unknown; the Unauthorized to raise.

    Only the exception's class is logged, outside any except block, so
    that no traceback or driver message (which may quote SQL parameters)
    lands in the log; the class name says enough to start looking.
    """
    LOG.error(
        'Cannot read TOTP credentials of user %(user)s (%(err)s); '
        'refusing to authenticate.', {'user': user_id, 'err': failure}
    )
    return exception.Unauthorized()


def _enrolment(user_id, credentials):
    secrets, ids = [], []
    for credential_id, blob in credentials:
        try:
            secrets.append(totp.normalize_secret(blob))
            ids.append(credential_id)
        except totp.InvalidSecret as e:
            LOG.warning(
                'Skipping TOTP credential %(cred)s of user %(user)s: %(why)s.',
                {'cred': credential_id, 'user': user_id, 'why': e},
            )
    return Enrolment(secrets, len(credentials), ids)
