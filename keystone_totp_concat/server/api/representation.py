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

"""The OS-TOTP API's bodies: devices, status, a begun enrolment.

Times are ISO 8601 in UTC; links are absolute, from Keystone's base URL.
Never a code; the secret only in a begun enrolment's body.
"""

from keystone.common import provider_api
from keystone import exception
from keystone.server import flask as ks_flask

from keystone_totp_concat.core import clock
from keystone_totp_concat.core import totp

PROVIDERS = provider_api.ProviderAPIs


def base_url(user_id):
    return ks_flask.base_url('/users/%s/OS-TOTP' % user_id)


def device(user_id, credential_id, details):
    """One device: ``details`` are the package's rows by credential id."""
    row = details.get(credential_id)
    last = row.last_used_step if row is not None else None
    return {
        'id': credential_id,
        'label': row.label if row is not None else None,
        'created_at': clock.iso(row.created_at) if row is not None else None,
        'last_used_at': clock.iso(
            last * totp.STEP_SECONDS) if last is not None else None,
        'links': {'self': '%s/devices/%s' % (base_url(user_id),
                                             credential_id)},
    }


def status(user_id, devices, pending, recovery_left):
    return {'totp': {
        'user_id': user_id,
        'enabled': bool(devices),
        'devices': devices,
        'pending_enrolment': None if pending is None else {
            'label': pending.label,
            'created_at': clock.iso(pending.created_at),
            'expires_at': clock.iso(pending.expires_at),
        },
        'recovery_codes': {'remaining': recovery_left},
        'links': {'self': base_url(user_id)},
    }}


def enrolment(user_id, begun):
    """A begun enrolment: the secret, shown this once."""
    return {'enrolment': {
        'user_id': user_id,
        'secret': begun.secret,
        'otpauth_uri': begun.otpauth_uri,
        'issuer': begun.issuer,
        'account': begun.account,
        'algorithm': 'SHA1',
        'digits': begun.digits,
        'period': totp.STEP_SECONDS,
        'label': begun.label,
        'created_at': clock.iso(begun.created_at),
        'expires_at': clock.iso(begun.expires_at),
        'links': {'confirm': base_url(user_id) + '/devices'},
    }}


def account(user):
    """``name@domain``: how the authenticator app names the account."""
    try:
        domain = PROVIDERS.resource_api.get_domain(user['domain_id'])['name']
    except exception.NotFound:
        domain = user['domain_id']
    return '%s@%s' % (user['name'], domain)
