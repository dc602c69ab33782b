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

"""Keep ``totp`` credentials out of users' reach on ``/v3/credentials``.

The blob of a ``totp`` credential is the TOTP secret. Keystone's default
policy lets every token holder read their own credentials back, create any
and delete them, so a stolen token (or application credential) could copy
the second factor, set one no app holds, or turn 2FA off. With
``[totp_concat] protect_totp_credentials`` on (the default), callers who do
not pass ``identity:manage_totp_credentials`` (admins by default) get 403
for any read, create, update or delete of a ``totp`` credential there, and
lists come back without them; they use the OS-TOTP API instead. Types
the database takes for ``totp`` (``TOTP``, ``tótp``, ``totp `` on MariaDB:
credential_types) are handled as ``totp``. Other credential types are
Keystone's business as before.

Whoever creates a ``totp`` credential, or changes its blob, must give a
usable secret (base32, at least totp.MIN_SECRET_BYTES): anything else gets
a 400 that names the problem, never the blob.
"""

import http.client
import re

import flask
from keystone.common import provider_api
from keystone.credential import schema as credential_schema
from keystone import exception
from keystone.server.flask import common as ks_flask
from oslo_log import log
from oslo_serialization import jsonutils

from keystone_totp_concat.core import totp
from keystone_totp_concat.server.api import policy
from keystone_totp_concat.server import compat
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credential_types
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server.guards import request_guard

CONF = conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs


COLLECTION = re.compile(r'^/v3/credentials/?$')
MEMBER = re.compile(r'^/v3/credentials/(?P<credential_id>[^/]+)/?$')
FILTERED = 'totp_concat_filter_credentials'


class TOTPCredentialRefused(exception.Error):
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'Credentials of type totp are managed through the OS-TOTP API '
        '(/v3/users/{user_id}/OS-TOTP): their secret is never shown again, '
        'and adding or removing a device needs a code.')


def install(app):
    # Keystone's schema errors quote the blob, and log it at ERROR.
    request_guard.add_route(COLLECTION.pattern, 'credential',
                            schema=_keystone_schema('create'),
                            secrets=[('blob',)])
    request_guard.add_route(MEMBER.pattern, 'credential',
                            schema=_keystone_schema('update'),
                            secrets=[('blob',)])
    app.before_request(guard)
    app.after_request(filter_list)


def _keystone_schema(action):
    """Keystone's schema of the credential in a create or update body."""
    try:
        body = getattr(credential_schema, action + '_request_body')
        return body['properties']['credential']
    except AttributeError:
        return getattr(credential_schema, 'credential_' + action)


def _is_totp(credential_type):
    return credential_types.is_lookalike(credential_type)


def _check_secret(cred):
    """400 for a totp credential's blob that is no usable secret."""
    if not isinstance(cred, dict) or 'blob' not in cred:
        return
    try:
        totp.normalize_secret(cred['blob'])
    except totp.InvalidSecret as e:
        ks_flask.set_unenforced_ok()
        raise exception.ValidationError(
            message="Invalid input for field 'credential/blob': a totp "
                    "credential's blob must be a base32 TOTP secret of at "
                    "least %d bytes (%s)." % (totp.MIN_SECRET_BYTES, e))


def _manager():
    """True when the caller may handle totp credentials directly."""
    return policy.allowed(policy.MANAGE_CREDENTIALS, {})


def _refuse():
    # Keystone's handler never runs: say enforcement happened, or its
    # after-request check turns the 403 into a 500.
    ks_flask.set_unenforced_ok()
    LOG.warning('Refused user %(user)s access to a totp credential through '
                '/v3/credentials (%(method)s) from %(addr)s.',
                {'user': compat.caller_id(),
                 'method': flask.request.method,
                 'addr': flask.request.remote_addr})
    raise TOTPCredentialRefused()


def guard():
    path = flask.request.path
    collection = COLLECTION.match(path)
    member = None if collection else MEMBER.match(path)
    if not (collection or member):
        return
    method = flask.request.method
    if method not in ('GET', 'POST', 'PATCH', 'DELETE', 'PUT'):
        return
    ctx = compat.request_context()
    if ctx is None or not ctx.authenticated:
        return  # Keystone answers 401
    cred = _body_credential() if method in ('POST', 'PATCH') else None
    new_type = cred.get('type') if isinstance(cred, dict) else None
    existing = _existing(member) if member else None
    if CONF.totp_concat.protect_totp_credentials and not _manager():
        _protect(collection, method, existing, new_type)
    old_type = existing.get('type') if existing is not None else None
    if credentials.CREDENTIAL_TYPE in (new_type, old_type):
        # A change of type alone makes the stored blob the secret.
        has_blob = isinstance(cred, dict) and 'blob' in cred
        _check_secret(cred if has_blob or existing is None else existing)


def _protect(collection, method, existing, new_type):
    """Refuse a non-manager any totp credential; mark a list to filter."""
    if collection:
        if method == 'GET':
            setattr(flask.g, FILTERED, True)
        elif method == 'POST' and _is_totp(new_type):
            _refuse()
        return
    if existing is not None and _is_totp(existing.get('type')):
        _refuse()
    if method == 'PATCH' and _is_totp(new_type):
        _refuse()


def _body_credential():
    body = flask.request.get_json(silent=True, force=True)
    return body.get('credential') if isinstance(body, dict) else None


def _existing(member):
    """The credential a member request names; None when there is none.

    One that cannot be read (its blob does not decrypt, the database
    fails) may be a totp credential: it counts as one, so only managers
    get through to Keystone, which then answers for it.
    """
    credential_id = member.group('credential_id')
    try:
        return PROVIDERS.credential_api.get_credential(credential_id)
    except exception.NotFound:
        return None  # Keystone answers 404
    except Exception as e:
        LOG.warning('Could not read credential %(cred)s to guard totp '
                    'credentials (%(err)s); handled as a totp credential.',
                    {'cred': credential_id, 'err': type(e).__name__})
        return {'id': credential_id, 'type': credentials.CREDENTIAL_TYPE}


def filter_list(response):
    """Drop totp credentials from a list answer for non-managers."""
    if not getattr(flask.g, FILTERED, False):
        return response
    if response.status_code != http.client.OK:
        return response
    try:
        body = jsonutils.loads(response.get_data(as_text=True))
        refs = body['credentials']
        types = [ref.get('type') for ref in refs]
        hidden = credential_types.lookalikes(types)
        kept = [ref for ref, t in zip(refs, types) if t not in hidden]
    except (ValueError, KeyError, TypeError, AttributeError):
        return response
    if len(kept) != len(refs):
        body['credentials'] = kept
        response.set_data(jsonutils.dumps(body) + '\n')
    return response
