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
lists come back without them; they use the OS-TOTP API instead. Other
credential types are Keystone's business as before.
"""

import http.client
import re

import flask
from keystone.common import provider_api
from keystone import exception
from keystone.server.flask import common as ks_flask
from oslo_log import log
from oslo_serialization import jsonutils

from keystone_totp_concat import conf
from keystone_totp_concat import credentials
from keystone_totp_concat import os_totp
from keystone_totp_concat import policies

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
    app.before_request(guard)
    app.after_request(filter_list)


def _is_totp(credential_type):
    return (isinstance(credential_type, str)
            and credential_type.strip().lower() == credentials.CREDENTIAL_TYPE)


def _manager():
    """True when the caller may handle totp credentials directly."""
    return os_totp.allowed(policies.MANAGE_CREDENTIALS, {})


def _refuse():
    # Keystone's handler never runs: say enforcement happened, or its
    # after-request check turns the 403 into a 500.
    ks_flask.set_unenforced_ok()
    LOG.warning('Refused user %(user)s access to a totp credential through '
                '/v3/credentials (%(method)s) from %(addr)s.',
                {'user': os_totp._caller_id(),
                 'method': flask.request.method,
                 'addr': flask.request.remote_addr})
    raise TOTPCredentialRefused()


def guard():
    if not CONF.totp_concat.protect_totp_credentials:
        return
    path = flask.request.path
    collection = COLLECTION.match(path)
    member = None if collection else MEMBER.match(path)
    if not (collection or member):
        return
    method = flask.request.method
    if method not in ('GET', 'POST', 'PATCH', 'DELETE', 'PUT'):
        return
    ctx = os_totp.ENFORCER._get_oslo_req_context()
    if ctx is None or not ctx.authenticated:
        return  # Keystone answers 401
    if _manager():
        return
    if collection:
        if method == 'GET':
            setattr(flask.g, FILTERED, True)
        elif method == 'POST':
            body = flask.request.get_json(silent=True, force=True)
            cred = body.get('credential') if isinstance(body, dict) else None
            if isinstance(cred, dict) and _is_totp(cred.get('type')):
                _refuse()
        return
    try:
        existing = PROVIDERS.credential_api.get_credential(
            member.group('credential_id'))
    except exception.NotFound:
        existing = None  # Keystone answers (404 or 403)
    except Exception:
        existing = None
    if existing is not None and _is_totp(existing.get('type')):
        _refuse()
    if method == 'PATCH':
        body = flask.request.get_json(silent=True, force=True)
        cred = body.get('credential') if isinstance(body, dict) else None
        if isinstance(cred, dict) and _is_totp(cred.get('type')):
            _refuse()


def filter_list(response):
    """Drop totp credentials from a list answer for non-managers."""
    if not getattr(flask.g, FILTERED, False):
        return response
    if response.status_code != http.client.OK:
        return response
    try:
        body = jsonutils.loads(response.get_data(as_text=True))
        refs = body['credentials']
        kept = [ref for ref in refs if not _is_totp(ref.get('type'))]
    except (ValueError, KeyError, TypeError, AttributeError):
        return response
    if len(kept) != len(refs):
        body['credentials'] = kept
        response.set_data(jsonutils.dumps(body) + '\n')
    return response
