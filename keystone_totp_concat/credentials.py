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

"""Reading a user's TOTP secrets from Keystone's credential API."""

from keystone.common import provider_api
from keystone import exception
from oslo_log import log

from keystone_totp_concat import totp

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
CREDENTIAL_TYPE = 'totp'


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


def load_enrolment(user_id):
    """Return the user's Enrolment from their ``totp`` credentials.

    When the credentials cannot be read (database or decryption failure)
    this raises Keystone's Unauthorized: without knowing whether a second
    factor is required, the only safe answer is no token, never a fallback
    to the password alone.
    """
    try:
        credentials = PROVIDERS.credential_api.list_credentials_for_user(
            user_id, type=CREDENTIAL_TYPE
        )
    except Exception as e:
        failure = type(e).__name__
    else:
        failure = None
    if failure:
        # Logged outside the except block so that no traceback or driver
        # message (which may quote SQL parameters) lands in the log; the
        # class name says enough to start looking.
        LOG.error(
            'Cannot read TOTP credentials of user %(user)s (%(err)s); '
            'refusing to authenticate.', {'user': user_id, 'err': failure}
        )
        raise exception.Unauthorized()
    secrets, ids = [], []
    for credential in credentials:
        try:
            secrets.append(totp.normalize_secret(credential.get('blob')))
            ids.append(credential.get('id'))
        except totp.InvalidSecret as e:
            LOG.warning(
                'Skipping TOTP credential %(cred)s of user %(user)s: %(why)s.',
                {'cred': credential.get('id'), 'user': user_id, 'why': e},
            )
    return Enrolment(secrets, len(credentials), ids)
