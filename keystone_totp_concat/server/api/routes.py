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

"""The OS-TOTP API: turn Two Factor Authentication on and off in Keystone.

``/v3/users/{user_id}/OS-TOTP`` (Keystone's naming of extensions, as
``/v3/users/{user_id}/OS-OAUTH1/access_tokens``), served in Keystone's own
process by ``keystone_totp_concat.wsgi:application``; doc/source/api is the
reference. Resources in Keystone's pattern: the policy check first
(``enforce_call``), then the body (schema.py), then the manager
(enrolment.py). Every error answer carries its ``kind`` (errors.py).
"""

import functools
import http.client
import time

import flask
from keystone.common import json_home
from keystone import exception
from keystone.server import flask as ks_flask
from oslo_log import log
from oslo_serialization import jsonutils

from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat.server.api import caller
from keystone_totp_concat.server.api import enrolment
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server.api import policy
from keystone_totp_concat.server.api import representation
from keystone_totp_concat.server.api import schema
from keystone_totp_concat.server import audit
from keystone_totp_concat.server import compat
from keystone_totp_concat.server.guards import credential_guard
from keystone_totp_concat.server.guards import request_guard
from keystone_totp_concat.server import recovery_codes
from keystone_totp_concat.server import verify

LOG = log.getLogger(__name__)
MANAGER = enrolment.Manager()

PATH_PREFIX = '/users/<string:user_id>/OS-TOTP'
# Answers that hold a secret or recovery codes: no cache may keep them.
NO_STORE = {'Cache-Control': 'no-store', 'Pragma': 'no-cache'}


def _passcode(member, required=False):
    return schema.passcode(member, verify.code_length(), required)


def _devices(user_id):
    details = db.devices(user_id)
    return [representation.device(user_id, cid, details)
            for cid in MANAGER.device_ids(user_id)]


def _status(user_id):
    return representation.status(
        user_id, _devices(user_id),
        MANAGER.live_pending(user_id, int(time.time())),
        recovery_codes.remaining(user_id))


class _Resource(ks_flask.ResourceBase):
    collection_key = 'devices'
    member_key = 'device'


class StatusResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP: on/off, devices, pending."""
        user_id = caller.enforce(policy.GET_STATUS, user_id)['id']
        return _status(user_id)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP: every device off."""
        user_id = caller.enforce(policy.DISABLE, user_id)['id']
        member = schema.validate(schema.totp_delete, self.request_body_json)
        passcode = _passcode(member)
        proof, count = MANAGER.disable(caller.of(user_id), user_id,
                                       passcode, self.audit_initiator)
        if proof.by_owner:
            audit.changed('disable', 'disabled', user_id,
                          'turned off, %d device(s) removed (%s)'
                          % (count, proof.value))
        else:
            audit.changed('disable/reset', 'reset', user_id,
                          'reset, %d device(s) removed' % count)
        return None, http.client.NO_CONTENT


class EnrolmentResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/enrolment: a new secret."""
        user = caller.enforce(policy.BEGIN_ENROLMENT, user_id)
        user_id = user['id']
        member = schema.validate(schema.enrolment_create,
                                 self.request_body_json)
        label = schema.label(member)
        passcode = _passcode(member)
        begun = MANAGER.begin(caller.of(user_id), user,
                              representation.account(user), label, passcode)
        LOG.info('Two Factor Authentication of user %(user)s: enrolment '
                 'begun by user %(actor)s from %(addr)s, expires in '
                 '%(secs)d seconds.',
                 {'user': user_id, 'actor': compat.caller_id(),
                  'addr': flask.request.remote_addr,
                  'secs': begun.expires_at - begun.created_at})
        body = representation.enrolment(user_id, begun)
        return body, http.client.CREATED, NO_STORE

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/enrolment: cancel."""
        user_id = caller.enforce(policy.CANCEL_ENROLMENT, user_id)['id']
        MANAGER.cancel(user_id)
        return None, http.client.NO_CONTENT


class DevicesResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices."""
        user_id = caller.enforce(policy.GET_STATUS, user_id)['id']
        return {'devices': _devices(user_id),
                'links': {
                    'self': representation.base_url(user_id) + '/devices'}}

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/devices: confirm.

        A code of the pending secret stores it as the user's new device.
        """
        user_id = caller.enforce(policy.CREATE_DEVICE, user_id)['id']
        member = schema.validate(schema.device_create,
                                 self.request_body_json)
        passcode = _passcode(member, required=True)
        label = schema.label(member)
        done = MANAGER.confirm(caller.of(user_id), user_id, passcode,
                               label, self.audit_initiator)
        body = {'device': representation.device(
            user_id, done.credential_id, db.devices(user_id))}
        if not done.turned_on:
            audit.changed('create', 'device.created', user_id,
                          'device added', done.credential_id)
            return body, http.client.CREATED
        audit.changed('enable', 'enabled', user_id, 'turned on',
                      done.credential_id)
        body['recovery_codes'] = done.recovery_codes
        audit.changed('create', 'recovery_codes.created', user_id,
                      'recovery codes made')
        return body, http.client.CREATED, NO_STORE


class RecoveryCodesResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/recovery_codes: a new set.

        The old set stops working; the new codes are shown this once.
        """
        user_id = caller.enforce(policy.CREATE_RECOVERY_CODES, user_id)['id']
        member = schema.validate(schema.recovery_codes,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, codes = MANAGER.new_recovery_codes(caller.of(user_id), user_id,
                                                  passcode)
        audit.changed('create', 'recovery_codes.created', user_id,
                      'recovery codes made (%s)' % proof.value)
        return ({'recovery_codes': {'codes': codes,
                                    'remaining': len(codes)}},
                http.client.CREATED, NO_STORE)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/recovery_codes: revoke."""
        user_id = caller.enforce(policy.DELETE_RECOVERY_CODES, user_id)['id']
        member = schema.validate(schema.recovery_codes,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, left = MANAGER.revoke_recovery_codes(caller.of(user_id),
                                                    user_id, passcode)
        audit.changed('delete', 'recovery_codes.deleted', user_id,
                      'recovery codes revoked, %d were unused (%s)'
                      % (left, proof.value))
        return None, http.client.NO_CONTENT


class DeviceResource(_Resource):

    def get(self, user_id, device_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        user_id = caller.enforce(policy.GET_STATUS, user_id)['id']
        for device in _devices(user_id):
            if device['id'] == device_id:
                return {'device': device}
        raise errors.DeviceNotFound(device_id=caller.printable(device_id))

    def delete(self, user_id, device_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        user_id = caller.enforce(policy.DELETE_DEVICE, user_id)['id']
        member = schema.validate(schema.device_delete,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, left = MANAGER.remove_device(
            caller.of(user_id), user_id, device_id, passcode,
            self.audit_initiator, caller.printable(device_id))
        if proof.by_owner:
            audit.changed('delete', 'device.deleted', user_id,
                          'device removed (%s), %d left' % (proof.value, left),
                          device_id)
        else:
            audit.changed('delete/reset', 'device.reset', user_id,
                          'device removed by another user, %d left' % left,
                          device_id)
        return None, http.client.NO_CONTENT


def render_error(error):
    """Keystone's error answer, with the error's ``kind`` beside it.

    Keystone's handler logs no expected refusal (install()); this line
    does, without the message, which may name a device or a user.
    """
    if errors.expected(error):
        LOG.info('OS-TOTP request refused: %s %s -> %d kind=%s',
                 flask.request.method, flask.request.path, error.code,
                 errors.kind_of(error))
    response = compat.render_error(error)
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get('error'), dict):
        body['error']['kind'] = errors.kind_of(error)
        response.set_data(jsonutils.dumps(body))
    return response


_rel = functools.partial(json_home.build_v3_extension_resource_relation,
                         extension_name='OS-TOTP', extension_version='1.0')


def _path_vars(*names):
    return {name: json_home.build_v3_parameter_relation(name)
            for name in names}


class TOTPAPI(ks_flask.APIBase):
    _name = 'os-totp'
    _import_name = __name__
    resource_mapping = [
        ks_flask.construct_resource_map(
            resource=StatusResource, url=PATH_PREFIX,
            resource_kwargs={}, rel='totp',
            resource_relation_func=_rel,
            path_vars=_path_vars('user_id')),
        ks_flask.construct_resource_map(
            resource=EnrolmentResource, url=PATH_PREFIX + '/enrolment',
            resource_kwargs={}, rel='totp_enrolment',
            resource_relation_func=_rel,
            path_vars=_path_vars('user_id')),
        ks_flask.construct_resource_map(
            resource=DevicesResource, url=PATH_PREFIX + '/devices',
            resource_kwargs={}, rel='totp_devices',
            resource_relation_func=_rel,
            path_vars=_path_vars('user_id')),
        ks_flask.construct_resource_map(
            resource=RecoveryCodesResource,
            url=PATH_PREFIX + '/recovery_codes',
            resource_kwargs={}, rel='totp_recovery_codes',
            resource_relation_func=_rel,
            path_vars=_path_vars('user_id')),
        ks_flask.construct_resource_map(
            resource=DeviceResource,
            url=PATH_PREFIX + '/devices/<string:device_id>',
            resource_kwargs={}, rel='totp_device',
            resource_relation_func=_rel,
            path_vars=_path_vars('user_id', 'device_id')),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Before the blueprint joins the application, which copies its
        # handlers; for errors of before-request hooks on these routes too.
        self.blueprint.register_error_handler(exception.Error, render_error)


def install(app):
    """Add the OS-TOTP API to Keystone's Flask application.

    With it come its policy rules and the guard of totp credentials on
    /v3/credentials.
    """
    # Hostile bodies (deep nesting, NUL, lone surrogates, huge numbers, a
    # passcode that is no string) get the request guard's 400 first.
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/enrolment/?$',
                            'enrolment', secrets=[('passcode',)])
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/devices/?$',
                            'device', secrets=[('passcode',)])
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/recovery_codes/?$',
                            'recovery_codes', secrets=[('passcode',)])
    policy.register()
    compat.quiet_error_handler_log(errors.expected)
    TOTPAPI.instantiate_and_register_to_app(app)
    credential_guard.install(app)
