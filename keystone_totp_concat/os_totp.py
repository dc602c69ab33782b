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
reference. The seed's "validate and set" flow happens on the server: the
server makes the secret and shows it once, keeps it pending (encrypted, in
Keystone's database), and stores it as the user's ``totp`` credential only
after a code of it was typed; the code is then used up. Secrets are never
shown again. Adding or removing a device or turning 2FA off needs, besides
the token, a proof of the second factor when users act on themselves (a
current code, or a fresh password+code token); an admin resets a lost phone
without one.
"""

import datetime
import functools
import http.client
import time
import uuid

import flask
from keystone.common import authorization
from keystone.common import json_home
from keystone.common import provider_api
from keystone.common import rbac_enforcer
from keystone.common.rbac_enforcer import enforcer as ks_enforcer
from keystone import exception
from keystone import notifications
from keystone.server import flask as ks_flask
from keystone.server.flask import common as ks_flask_common
from oslo_log import log
from oslo_utils import timeutils
from pycadf import cadftaxonomy as taxonomy
from pycadf import resource
import pyotp

from keystone_totp_concat import conf
from keystone_totp_concat import credentials
from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat import policies
from keystone_totp_concat import recovery_codes
from keystone_totp_concat import totp
from keystone_totp_concat import verify

CONF = conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
ENFORCER = rbac_enforcer.RBACEnforcer


PATH_PREFIX = '/users/<string:user_id>/OS-TOTP'
LABEL_MAX = 255
CADF_EVENT = 'identity.OS-TOTP.%s'
# The methods of a token from a password+code login, whichever form the
# code took (after the password, ``passcode``, or a ``totp`` method).
PASSWORD_AND_CODE = frozenset(['password', 'totp'])
# Answers that hold a secret or recovery codes: no cache may keep them.
NO_STORE = {'Cache-Control': 'no-store', 'Pragma': 'no-cache'}
# Nodes' clocks may differ a little: a token issued "in the future" by
# another node still counts as fresh within this many seconds.
CLOCK_SLACK = 60


class ProofRequired(exception.Error):
    """403 that says what is missing.

    Keystone's Forbidden hides its message unless insecure_debug is on.
    """

    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'Two Factor Authentication is on for this user: this needs a current '
        'code of one of the user\'s devices in "passcode", or a token from a '
        'password+code login of the last %(seconds)d seconds.')


class CodeRefused(exception.Error):
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'The code was not accepted: it is wrong, already used, or the user\'s '
        'code checks are locked after too many wrong codes.')


class EnrolmentMissing(exception.NotFound):
    message_format = (
        'No pending enrolment for this user: it expired, was confirmed, '
        'cancelled or replaced, or never began. Begin again with POST '
        '.../OS-TOTP/enrolment.')


class NotEnrolled(exception.NotFound):
    message_format = ('Two Factor Authentication is not enabled for this '
                      'user.')


class DeviceNotFound(exception.NotFound):
    message_format = 'Could not find TOTP device: %(device_id)s.'


class BadRequest(exception.Error):
    code = int(http.client.BAD_REQUEST)
    title = http.client.responses[http.client.BAD_REQUEST]
    message_format = '%(detail)s'


# -- Policy --

def _accept_action_names():
    """Let Keystone's enforce_call accept our action names.

    It refuses names it does not know: a set made from Keystone's own rules
    at import.
    """
    names = {rule.name for rule in policies.rules}
    if not names <= ks_enforcer._POSSIBLE_TARGET_ACTIONS:
        ks_enforcer._POSSIBLE_TARGET_ACTIONS = (
            ks_enforcer._POSSIBLE_TARGET_ACTIONS | names)


def _register_policies():
    """Our rules into Keystone's enforcer, once per enforcer object."""
    _accept_action_names()
    enforcer = ENFORCER()._enforcer
    if policies.GET_STATUS not in enforcer.registered_rules:
        enforcer.register_defaults(policies.list_rules())


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
    _register_policies()

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


def allowed(action, target):
    """True when the caller passes ``action`` (no exception)."""
    _register_policies()
    ctx = ENFORCER._get_oslo_req_context()
    if ctx is None or not ctx.authenticated:
        return False
    if getattr(ctx, 'is_admin', False):
        return True
    return bool(ENFORCER()._enforce(credentials=ctx, action=action,
                                    target=target, do_raise=False))


# -- Request details --

def _caller_id():
    ctx = ENFORCER._get_oslo_req_context()
    return getattr(ctx, 'user_id', None)


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


def _body_member(key):
    """The ``key`` object of the JSON body; {} for no body."""
    body = flask.request.get_json(silent=True, force=True)
    if body is None:
        if flask.request.get_data():
            raise _bad_body('The request body is not JSON.')
        return {}
    if not isinstance(body, dict):
        raise _bad_body('The request body must be a JSON object.')
    member = body.get(key, {})
    if not isinstance(member, dict):
        raise _bad_body('"%s" must be an object.' % key)
    unknown = set(member) - {'passcode', 'label'}
    if unknown:
        raise _bad_body('Unknown attribute(s) of "%s": %s.' % (
            key, ', '.join(sorted(_printable(k) for k in unknown))))
    return member


def _bad_body(detail):
    """A 400 for a body read before the policy check.

    Keystone is told that no enforcement was due: Keystone 25 to 29 drop
    the connection of a request that ends before one otherwise.
    """
    ks_flask_common.set_unenforced_ok()
    return BadRequest(detail=detail)


def _printable(text):
    text = str(text)[:64]
    return text.encode('ascii', 'backslashreplace').decode('ascii')


def _passcode(member, required):
    """The passcode of ``member``, or None if absent and not required.

    Anything but exactly code_length ASCII digits is a 400: not a guess, so
    not counted by the throttle.
    """
    code = member.get('passcode')
    if code is None and not required:
        return None
    digits = verify.code_length()
    if not totp.is_well_formed(code, digits):
        raise BadRequest(detail='"passcode" must be the %d-digit code of '
                         'the authenticator app.' % digits)
    return code


def _label(member):
    label = member.get('label')
    if label is None:
        return None
    if not isinstance(label, str):
        raise BadRequest(detail='"label" must be a string.')
    label = label.strip()
    try:
        label.encode('utf-8')
    except UnicodeEncodeError:
        raise BadRequest(detail='"label" is not valid Unicode text.')
    if not label or len(label) > LABEL_MAX or not label.isprintable():
        raise BadRequest(detail='"label" must be 1 to %d printable '
                         'characters.' % LABEL_MAX)
    return label


def _prove(user_id, enrolment, passcode):
    """Demand the second factor when users act on their own 2FA."""
    if _caller_id() != user_id:
        return 'policy'  # an admin (or whom the policy allows): no code
    if not enrolment.enrolled:
        return 'not enrolled'
    if passcode is None:
        if fresh_second_factor(user_id):
            return 'fresh token'
        raise ProofRequired(seconds=CONF.totp_concat.fresh_token_seconds)
    if verify.check_enrolled_code(user_id, enrolment, passcode) is None:
        raise CodeRefused()
    return 'code'


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


def _credential_ids(user_id):
    """Ids of every ``totp`` credential of the user, usable or not."""
    return credentials.device_ids(user_id)


def _devices(user_id):
    ids = _credential_ids(user_id)
    details = db.devices(user_id)
    return [_device(user_id, cid, details) for cid in ids]


def _live_pending(user_id, now):
    row = db.get_pending(user_id)
    if row is not None and row.expires_at <= now:
        db.take_pending(user_id, row.created_at)
        return None
    return row


def _status(user_id):
    now = int(time.time())
    devices = _devices(user_id)
    pending = _live_pending(user_id, now)
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


# -- Audit --

def _audit(action, event, user_id, what, device_id=None):
    """A CADF event and a log line; never a secret or a code."""
    initiator = notifications.build_audit_initiator()
    target = resource.Resource(typeURI=taxonomy.ACCOUNT_USER, id=user_id)
    notifications._send_audit_notification(
        action=action, initiator=initiator, outcome=taxonomy.OUTCOME_SUCCESS,
        target=target, event_type=CADF_EVENT % event,
        device_id=device_id)
    LOG.info('Two Factor Authentication of user %(user)s: %(what)s '
             '(device %(device)s) by user %(actor)s from %(addr)s.',
             {'user': user_id, 'what': what, 'device': device_id or '-',
              'actor': _caller_id(), 'addr': flask.request.remote_addr})


def _account(user):
    try:
        domain = PROVIDERS.resource_api.get_domain(user['domain_id'])['name']
    except exception.NotFound:
        domain = user['domain_id']
    return '%s@%s' % (user['name'], domain)


def _encrypt(secret):
    encrypted, key_hash = PROVIDERS.credential_provider_api.encrypt(secret)
    if isinstance(encrypted, bytes):
        encrypted = encrypted.decode('ascii')
    return encrypted, key_hash


def _decrypt(encrypted):
    return PROVIDERS.credential_provider_api.decrypt(encrypted)


# -- Resources --

class _Resource(ks_flask.ResourceBase):
    collection_key = 'devices'
    member_key = 'device'


class StatusResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP: on/off, devices, pending."""
        user_id = _enforce(policies.GET_STATUS, user_id)['id']
        return _status(user_id)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP: every device off."""
        member = _body_member('totp')
        user_id = _enforce(policies.DISABLE, user_id)['id']
        passcode = _passcode(member, required=False)
        ids = _credential_ids(user_id)
        pending = db.get_pending(user_id)
        if not ids and pending is None:
            raise NotEnrolled()
        how = _prove(user_id, credentials.load_enrolment(user_id), passcode)
        for credential_id in ids:
            try:
                PROVIDERS.credential_api.delete_credential(
                    credential_id, initiator=self.audit_initiator)
            except exception.NotFound:
                pass  # removed meanwhile
        db.delete_devices(user_id)
        db.delete_pending(user_id)
        recovery_codes.revoke(user_id)
        if how == 'policy':
            _audit('disable/reset', 'reset', user_id,
                   'reset, %d device(s) removed' % len(ids))
        else:
            _audit('disable', 'disabled', user_id,
                   'turned off, %d device(s) removed (%s)' % (len(ids), how))
        return None, http.client.NO_CONTENT


class EnrolmentResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/enrolment: a new secret."""
        member = _body_member('enrolment')
        user = _enforce(policies.BEGIN_ENROLMENT, user_id)
        user_id = user['id']
        label = _label(member)
        passcode = _passcode(member, required=False)
        enrolment = credentials.load_enrolment(user_id)
        how = _prove(user_id, enrolment, passcode)
        secret = totp.generate_secret()
        now = int(time.time())
        expires = now + CONF.totp_concat.enrolment_expiry
        encrypted, key_hash = _encrypt(secret)
        # Enrolments nobody confirmed go with the next begin of anyone, so
        # the table never grows beyond the enrolments of the last minutes.
        db.purge_expired_pending(now)
        db.put_pending(user_id, encrypted, key_hash, label,
                       how != 'not enrolled', now, expires)
        digits = verify.code_length()
        issuer = CONF.totp_concat.issuer
        account = _account(user)
        uri = pyotp.TOTP(secret, digits=digits,
                         interval=totp.STEP_SECONDS).provisioning_uri(
            name=account, issuer_name=issuer)
        if 'digits=' not in uri:
            uri += '&digits=%d' % digits
        LOG.info('Two Factor Authentication of user %(user)s: enrolment '
                 'begun by user %(actor)s from %(addr)s, expires in '
                 '%(secs)d seconds.',
                 {'user': user_id, 'actor': _caller_id(),
                  'addr': flask.request.remote_addr,
                  'secs': CONF.totp_concat.enrolment_expiry})
        body = {'enrolment': {
            'user_id': user_id,
            'secret': secret,
            'otpauth_uri': uri,
            'issuer': issuer,
            'account': account,
            'algorithm': 'SHA1',
            'digits': digits,
            'period': totp.STEP_SECONDS,
            'label': label,
            'created_at': _iso(now),
            'expires_at': _iso(expires),
            'links': {'confirm': _base_url(user_id) + '/devices'},
        }}
        # An answer that holds a secret: no cache may keep it.
        return body, http.client.CREATED, NO_STORE

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/enrolment: cancel."""
        user_id = _enforce(policies.CANCEL_ENROLMENT, user_id)['id']
        if not db.delete_pending(user_id):
            raise EnrolmentMissing()
        return None, http.client.NO_CONTENT


class DevicesResource(_Resource):

    def get(self, user_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices."""
        user_id = _enforce(policies.GET_STATUS, user_id)['id']
        return {'devices': _devices(user_id),
                'links': {'self': _base_url(user_id) + '/devices'}}

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/devices: confirm.

        A code of the pending secret stores it as the user's new device.
        """
        member = _body_member('device')
        user_id = _enforce(policies.CREATE_DEVICE, user_id)['id']
        passcode = _passcode(member, required=True)
        label = _label(member)
        now = int(time.time())
        pending = _live_pending(user_id, now)
        if pending is None:
            raise EnrolmentMissing()
        enrolment = credentials.load_enrolment(user_id)
        if (enrolment.enrolled and not pending.proved
                and _caller_id() == user_id):
            # Begun with a bare token before a device existed: a token
            # alone must not add a second device.
            raise ProofRequired(seconds=CONF.totp_concat.fresh_token_seconds)
        secret = _decrypt(pending.encrypted_secret)
        step = verify.check_new_secret_code(user_id, secret, passcode)
        if step is None:
            raise CodeRefused()
        if not db.take_pending(user_id, pending.created_at):
            raise EnrolmentMissing()  # confirmed or replaced meanwhile
        credential_id = uuid.uuid4().hex
        PROVIDERS.credential_api.create_credential(credential_id, {
            'id': credential_id, 'user_id': user_id, 'project_id': None,
            'type': credentials.CREDENTIAL_TYPE, 'blob': secret,
        }, initiator=self.audit_initiator)
        label = label or pending.label
        db.add_device(credential_id, user_id, label, now)
        # The confirm code is used: it cannot log in afterwards.
        verify.record_use(verify.Verified(user_id, credential_id, step))
        body = {'device': _device(user_id, credential_id,
                                  db.devices(user_id))}
        if enrolment.enrolled:
            _audit('create', 'device.created', user_id, 'device added',
                   credential_id)
            return body, http.client.CREATED
        _audit('enable', 'enabled', user_id, 'turned on', credential_id)
        # 2FA just turned on: the way back in if the phone is lost, shown
        # this once.
        body['recovery_codes'] = recovery_codes.new_set(user_id)
        _audit('create', 'recovery_codes.created', user_id,
               'recovery codes made')
        return body, http.client.CREATED, NO_STORE


class RecoveryCodesResource(_Resource):

    def post(self, user_id):
        """POST /v3/users/{user_id}/OS-TOTP/recovery_codes: a new set.

        The old set stops working; the new codes are shown this once.
        """
        member = _body_member('recovery_codes')
        user_id = _enforce(policies.CREATE_RECOVERY_CODES, user_id)['id']
        passcode = _passcode(member, required=False)
        enrolment = credentials.load_enrolment(user_id)
        if not enrolment.enrolled:
            raise NotEnrolled()
        how = _prove(user_id, enrolment, passcode)
        codes = recovery_codes.new_set(user_id)
        _audit('create', 'recovery_codes.created', user_id,
               'recovery codes made (%s)' % how)
        return ({'recovery_codes': {'codes': codes,
                                    'remaining': len(codes)}},
                http.client.CREATED, NO_STORE)

    def delete(self, user_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/recovery_codes: revoke."""
        member = _body_member('recovery_codes')
        user_id = _enforce(policies.DELETE_RECOVERY_CODES, user_id)['id']
        passcode = _passcode(member, required=False)
        how = _prove(user_id, credentials.load_enrolment(user_id), passcode)
        left = recovery_codes.revoke(user_id)
        _audit('delete', 'recovery_codes.deleted', user_id,
               'recovery codes revoked, %d were unused (%s)' % (left, how))
        return None, http.client.NO_CONTENT


class DeviceResource(_Resource):

    def get(self, user_id, device_id):
        """GET /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        user_id = _enforce(policies.GET_STATUS, user_id)['id']
        for device in _devices(user_id):
            if device['id'] == device_id:
                return {'device': device}
        raise DeviceNotFound(device_id=_printable(device_id))

    def delete(self, user_id, device_id):
        """DELETE /v3/users/{user_id}/OS-TOTP/devices/{device_id}."""
        member = _body_member('device')
        user_id = _enforce(policies.DELETE_DEVICE, user_id)['id']
        passcode = _passcode(member, required=False)
        if device_id not in _credential_ids(user_id):
            raise DeviceNotFound(device_id=_printable(device_id))
        enrolment = credentials.load_enrolment(user_id)
        how = _prove(user_id, enrolment, passcode)
        PROVIDERS.credential_api.delete_credential(
            device_id, initiator=self.audit_initiator)
        db.delete_devices(user_id, [device_id])
        left = len(_credential_ids(user_id))
        if not left:
            recovery_codes.last_device_gone(user_id)
        if how == 'policy':
            _audit('delete/reset', 'device.reset', user_id,
                   'device removed by another user, %d left' % left,
                   device_id)
        else:
            _audit('delete', 'device.deleted', user_id,
                   'device removed (%s), %d left' % (how, left), device_id)
        return None, http.client.NO_CONTENT


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

    With it comes the guard of totp credentials on /v3/credentials.
    """
    from keystone_totp_concat import credential_guard
    from keystone_totp_concat import request_guard

    # Hostile bodies (deep nesting, NUL, lone surrogates, huge numbers, a
    # passcode that is no string) get the request guard's 400 first.
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/enrolment/?$',
                            'enrolment', secrets=[('passcode',)])
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/devices/?$',
                            'device', secrets=[('passcode',)])
    request_guard.add_route(r'^/v3/users/[^/]+/OS-TOTP/recovery_codes/?$',
                            'recovery_codes', secrets=[('passcode',)])
    _accept_action_names()
    TOTPAPI.instantiate_and_register_to_app(app)
    credential_guard.install(app)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user', _forget_user)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'credential', _forget_credential)
