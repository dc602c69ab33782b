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
process by ``keystone_totp_concat.wsgi:application``; doc/api.md is the
reference. Resources in Keystone's pattern: the policy check first
(``enforce_call``), then the body (schema.py), then the manager
(enrolment.py). Every error answer carries its ``kind`` (errors.py).
"""

import datetime
import functools
import http.client
import time

import flask
from keystone.common import authorization
from keystone.common import json_home
from keystone.common import provider_api
from keystone.common import rbac_enforcer
from keystone import exception
from keystone import notifications
from keystone.server import flask as ks_flask
from oslo_log import log
from oslo_serialization import jsonutils
from oslo_utils import timeutils
from pycadf import cadftaxonomy as taxonomy
from pycadf import resource

from keystone_totp_concat.core import totp
from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat.server.api import enrolment
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server.api import policy
from keystone_totp_concat.server.api import schema
from keystone_totp_concat.server import compat
from keystone_totp_concat.server import conf
from keystone_totp_concat.server.guards import credential_guard
from keystone_totp_concat.server.guards import request_guard
from keystone_totp_concat.server import recovery_codes
from keystone_totp_concat.server import verify

CONF = conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
ENFORCER = rbac_enforcer.RBACEnforcer
MANAGER = enrolment.Manager()


PATH_PREFIX = '/users/<string:user_id>/OS-TOTP'
CADF_EVENT = 'identity.OS-TOTP.%s'
# The methods of a token from a password+code login, whichever form the
# code took (after the password, ``passcode``, or a ``totp`` method).
PASSWORD_AND_CODE = frozenset(['password', 'totp'])
# Answers that hold a secret or recovery codes: no cache may keep them.
NO_STORE = {'Cache-Control': 'no-store', 'Pragma': 'no-cache'}
# Nodes' clocks may differ a little: a token issued "in the future" by
# another node still counts as fresh within this many seconds.
CLOCK_SLACK = 60


# -- Policy and request details --

def _enforce(action, user_id):
    """Keystone's RBAC on ``{'user': ...}`` of the target user; the user.

    The user is looked up only after the check, so existence does not leak
    to callers the policy refuses (Keystone's own pattern). A path id that
    is not byte for byte the id of the user Keystone finds is no user: a
    database that compares ids under a collation (MariaDB's ignores case
    and trailing spaces) would otherwise find the user for ``ABC`` while
    "acting on oneself" compares the path with the caller's id. Every
    decision after this call uses the returned user's id.
    """
    def build_target():
        ref = canonical_user(user_id)
        if ref is None:
            return {'user': {'id': user_id}}
        return {'user': {'id': ref['id'], 'domain_id': ref['domain_id']}}

    ENFORCER.enforce_call(action=action, build_target=build_target)
    ref = canonical_user(user_id)
    if ref is None:
        raise exception.UserNotFound(user_id=_printable(user_id))
    return ref


def canonical_user(user_id):
    """The user whose id is exactly ``user_id``, or None."""
    try:
        ref = PROVIDERS.identity_api.get_user(user_id)
    except exception.NotFound:
        return None
    return ref if ref['id'] == user_id else None


def _token():
    return (flask.request.environ.get(authorization.AUTH_CONTEXT_ENV)
            or {}).get('token')


def fresh_second_factor(user_id):
    """Whether the request's token proves the second factor by itself.

    True when it is the user's own, issued by a password+code login (its
    methods are ``password`` and ``totp`` and nothing else) at most
    ``fresh_token_seconds`` ago: not re-issued from another token (which
    keeps the methods but gets a new issue time), not a trust, application
    credential, EC2 or OAuth token.
    """
    token = _token()
    seconds = CONF.totp_concat.fresh_token_seconds
    if token is None or seconds <= 0 or token.user_id != user_id:
        return False
    if set(token.methods or []) != PASSWORD_AND_CODE:
        return False
    if token.parent_audit_id or token.trust_id or (
            token.application_credential_id) or token.oauth_scoped:
        return False
    try:
        issued = timeutils.parse_isotime(token.issued_at)
    except (ValueError, TypeError):
        return False
    age = (timeutils.utcnow(with_timezone=True) - issued).total_seconds()
    return -CLOCK_SLACK <= age <= seconds


def _caller(user_id):
    return enrolment.Caller(policy.caller_id(), fresh_second_factor(user_id))


def _printable(text):
    text = str(text)[:64]
    return text.encode('ascii', 'backslashreplace').decode('ascii')


def _passcode(member, required=False):
    return schema.passcode(member, verify.code_length(), required)


# -- Representations --

def _iso(unix):
    if unix is None:
        return None
    return datetime.datetime.fromtimestamp(
        unix, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _base_url(user_id):
    return ks_flask.base_url('/users/%s/OS-TOTP' % user_id)


def _device(user_id, credential_id, details):
    row = details.get(credential_id)
    last = row.last_used_step if row is not None else None
    return {
        'id': credential_id,
        'label': row.label if row is not None else None,
        'created_at': _iso(row.created_at) if row is not None else None,
        'last_used_at': _iso(
            last * totp.STEP_SECONDS) if last is not None else None,
        'links': {'self': '%s/devices/%s' % (_base_url(user_id),
                                             credential_id)},
    }


def _devices(user_id):
    ids = MANAGER.device_ids(user_id)
    details = db.devices(user_id)
    return [_device(user_id, cid, details) for cid in ids]


def _status(user_id):
    devices = _devices(user_id)
    pending = MANAGER.live_pending(user_id, int(time.time()))
    return {'totp': {
        'user_id': user_id,
        'enabled': bool(devices),
        'devices': devices,
        'pending_enrolment': None if pending is None else {
            'label': pending.label,
            'created_at': _iso(pending.created_at),
            'expires_at': _iso(pending.expires_at),
        },
        'recovery_codes': {'remaining': recovery_codes.remaining(user_id)},
        'links': {'self': _base_url(user_id)},
    }}


def _account(user):
    try:
        domain = PROVIDERS.resource_api.get_domain(user['domain_id'])['name']
    except exception.NotFound:
        domain = user['domain_id']
    return '%s@%s' % (user['name'], domain)


# -- Audit --

def _audit(action, event, user_id, what, device_id=None):
    """A CADF event and a log line; never a secret or a code."""
    initiator = notifications.build_audit_initiator()
    target = resource.Resource(typeURI=taxonomy.ACCOUNT_USER, id=user_id)
    compat.send_audit_notification(
        action=action, initiator=initiator, outcome=taxonomy.OUTCOME_SUCCESS,
        target=target, event_type=CADF_EVENT % event,
        device_id=device_id)
    LOG.info('Two Factor Authentication of user %(user)s: %(what)s '
             '(device %(device)s) by user %(actor)s from %(addr)s.',
             {'user': user_id, 'what': what, 'device': device_id or '-',
              'actor': policy.caller_id(), 'addr': flask.request.remote_addr})


# -- Resources --

class _Resource(ks_flask.ResourceBase):
    collection_key = 'devices'
    member_key = 'device'


class StatusResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP: on/off, devices, pending."""
        user_id = _enforce(policy.GET_STATUS, user_id)['id']
        return _status(user_id)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP: every device off."""
        user_id = _enforce(policy.DISABLE, user_id)['id']
        member = schema.validate(schema.totp_delete, self.request_body_json)
        passcode = _passcode(member)
        proof, count = MANAGER.disable(_caller(user_id), user_id, passcode,
                                       self.audit_initiator)
        if proof.by_owner:
            _audit('disable', 'disabled', user_id,
                   'turned off, %d device(s) removed (%s)'
                   % (count, proof.value))
        else:
            _audit('disable/reset', 'reset', user_id,
                   'reset, %d device(s) removed' % count)
        return None, http.client.NO_CONTENT


class EnrolmentResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/enrolment: a new secret."""
        user = _enforce(policy.BEGIN_ENROLMENT, user_id)
        user_id = user['id']
        member = schema.validate(schema.enrolment_create,
                                 self.request_body_json)
        label = schema.label(member)
        passcode = _passcode(member)
        begun = MANAGER.begin(_caller(user_id), user, _account(user), label,
                              passcode)
        LOG.info('Two Factor Authentication of user %(user)s: enrolment '
                 'begun by user %(actor)s from %(addr)s, expires in '
                 '%(secs)d seconds.',
                 {'user': user_id, 'actor': policy.caller_id(),
                  'addr': flask.request.remote_addr,
                  'secs': begun.expires_at - begun.created_at})
        body = {'enrolment': {
            'user_id': user_id,
            'secret': begun.secret,
            'otpauth_uri': begun.otpauth_uri,
            'issuer': begun.issuer,
            'account': begun.account,
            'algorithm': 'SHA1',
            'digits': begun.digits,
            'period': totp.STEP_SECONDS,
            'label': begun.label,
            'created_at': _iso(begun.created_at),
            'expires_at': _iso(begun.expires_at),
            'links': {'confirm': _base_url(user_id) + '/devices'},
        }}
        return body, http.client.CREATED, NO_STORE

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/enrolment: cancel."""
        user_id = _enforce(policy.CANCEL_ENROLMENT, user_id)['id']
        MANAGER.cancel(user_id)
        return None, http.client.NO_CONTENT


class DevicesResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices."""
        user_id = _enforce(policy.GET_STATUS, user_id)['id']
        return {'devices': _devices(user_id),
                'links': {'self': _base_url(user_id) + '/devices'}}

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/devices: confirm.

        A code of the pending secret stores it as the user's new device.
        """
        user_id = _enforce(policy.CREATE_DEVICE, user_id)['id']
        member = schema.validate(schema.device_create,
                                 self.request_body_json)
        passcode = _passcode(member, required=True)
        label = schema.label(member)
        done = MANAGER.confirm(_caller(user_id), user_id, passcode, label,
                               self.audit_initiator)
        body = {'device': _device(user_id, done.credential_id,
                                  db.devices(user_id))}
        if not done.turned_on:
            _audit('create', 'device.created', user_id, 'device added',
                   done.credential_id)
            return body, http.client.CREATED
        _audit('enable', 'enabled', user_id, 'turned on', done.credential_id)
        body['recovery_codes'] = done.recovery_codes
        _audit('create', 'recovery_codes.created', user_id,
               'recovery codes made')
        return body, http.client.CREATED, NO_STORE


class RecoveryCodesResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/recovery_codes: a new set.

        The old set stops working; the new codes are shown this once.
        """
        user_id = _enforce(policy.CREATE_RECOVERY_CODES, user_id)['id']
        member = schema.validate(schema.recovery_codes,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, codes = MANAGER.new_recovery_codes(_caller(user_id), user_id,
                                                  passcode)
        _audit('create', 'recovery_codes.created', user_id,
               'recovery codes made (%s)' % proof.value)
        return ({'recovery_codes': {'codes': codes,
                                    'remaining': len(codes)}},
                http.client.CREATED, NO_STORE)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/recovery_codes: revoke."""
        user_id = _enforce(policy.DELETE_RECOVERY_CODES, user_id)['id']
        member = schema.validate(schema.recovery_codes,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, left = MANAGER.revoke_recovery_codes(_caller(user_id),
                                                    user_id, passcode)
        _audit('delete', 'recovery_codes.deleted', user_id,
               'recovery codes revoked, %d were unused (%s)'
               % (left, proof.value))
        return None, http.client.NO_CONTENT


class DeviceResource(_Resource):

    def get(self, user_id, device_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        user_id = _enforce(policy.GET_STATUS, user_id)['id']
        for device in _devices(user_id):
            if device['id'] == device_id:
                return {'device': device}
        raise errors.DeviceNotFound(device_id=_printable(device_id))

    def delete(self, user_id, device_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        user_id = _enforce(policy.DELETE_DEVICE, user_id)['id']
        member = schema.validate(schema.device_delete,
                                 self.request_body_json)
        passcode = _passcode(member)
        proof, left = MANAGER.remove_device(
            _caller(user_id), user_id, device_id, passcode,
            self.audit_initiator, _printable(device_id))
        if proof.by_owner:
            _audit('delete', 'device.deleted', user_id,
                   'device removed (%s), %d left' % (proof.value, left),
                   device_id)
        else:
            _audit('delete/reset', 'device.reset', user_id,
                   'device removed by another user, %d left' % left,
                   device_id)
        return None, http.client.NO_CONTENT


def render_error(error):
    """Keystone's error answer, with the error's ``kind`` beside it."""
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


def _forget_user(service, resource_type, operation, payload):
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


def _forget_credential(service, resource_type, operation, payload):
    """Drop the details of a deleted credential (an admin's, say)."""
    try:
        db.forget_device(payload.get('resource_info'))
    except Exception as e:
        LOG.warning('Could not drop the details of a deleted TOTP device '
                    '(%s).', type(e).__name__)


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
    TOTPAPI.instantiate_and_register_to_app(app)
    credential_guard.install(app)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user', _forget_user)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'credential', _forget_credential)
