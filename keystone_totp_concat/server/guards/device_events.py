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

"""The package's rows follow Keystone's users and credentials.

A deleted user's pending enrolment, device details and recovery codes go
with it, and so do a deleted credential's details.

Recovery codes follow devices made or removed outside the OS-TOTP API.

An admin may delete a user's ``totp`` credential on /v3/credentials, or
create one there. Keystone's notification of a deleted credential names
only its id, so the owner is noted before such a DELETE runs and the
recovery codes checked after it succeeded; every created credential is
seen through Keystone's notification (recovery_codes.device_added).
"""

import http.client

import flask
from keystone.common import provider_api
from keystone import exception
from keystone import notifications
from oslo_log import log

from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server.guards import credential_guard
from keystone_totp_concat.server import recovery_codes

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
DELETED_OWNER = 'totp_concat_deleted_device_owner'


def install(app):
    app.before_request(note_owner)
    app.after_request(after_delete)
    notifications.register_event_callback(
        notifications.ACTIONS.created, 'credential', credential_created)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user', forget_user)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'credential', forget_credential)


def note_owner():
    """Before a DELETE on /v3/credentials/{id}: whose device it is."""
    if flask.request.method != 'DELETE':
        return
    member = credential_guard.MEMBER.match(flask.request.path)
    if member is None:
        return
    try:
        ref = PROVIDERS.credential_api.get_credential(
            member.group('credential_id'))
    except exception.NotFound:
        return
    owner = ref.get('user_id')
    if credentials.is_device(ref.get('type'), owner, owner):
        setattr(flask.g, DELETED_OWNER, owner)


def after_delete(response):
    owner = getattr(flask.g, DELETED_OWNER, None)
    if owner is None or response.status_code != http.client.NO_CONTENT:
        return response
    try:
        recovery_codes.device_removed(owner)
    except Exception as e:
        # A set left here is dormant: the next first device revokes it.
        LOG.error('Could not check the recovery codes of user %(user)s after '
                  'a device was deleted (%(err)s).',
                  {'user': owner, 'err': type(e).__name__})
    return response


def credential_created(service, resource_type, operation, payload):
    """Any new credential: a first device makes an older set go."""
    credential_id = payload.get('resource_info')
    try:
        ref = PROVIDERS.credential_api.get_credential(credential_id)
        owner = ref.get('user_id')
        if credentials.is_device(ref.get('type'), owner, owner):
            recovery_codes.device_added(owner, credential_id)
    except Exception as e:
        LOG.error('Could not check the recovery codes after credential '
                  '%(cred)s was created (%(err)s).',
                  {'cred': credential_id, 'err': type(e).__name__})


def forget_user(service, resource_type, operation, payload):
    """Drop a deleted user's pending enrolment, devices, recovery codes.

    Their credentials go with the user, in Keystone.
    """
    user_id = payload.get('resource_info')
    try:
        db.delete_pending(user_id)
        db.delete_devices(user_id)
        recovery_codes.revoke(user_id)
    except Exception as e:
        LOG.warning('Could not drop the TOTP enrolment data of deleted user '
                    '%(user)s (%(err)s).',
                    {'user': user_id, 'err': type(e).__name__})


def forget_credential(service, resource_type, operation, payload):
    """Drop the details of a deleted credential (an admin's, say)."""
    try:
        db.forget_device(payload.get('resource_info'))
    except Exception as e:
        LOG.warning('Could not drop the details of a deleted TOTP device '
                    '(%s).', type(e).__name__)
