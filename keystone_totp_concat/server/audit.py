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

"""Audit trail: refused second factors, used recovery codes, changes.

A login refused for its code never reaches Keystone's password check, which
is where Keystone emits its CADF ``authenticate`` failure event; this module
emits that event instead, and logs who tried from where. The OS-TOTP API's
changes (2FA on or off, devices, recovery codes, requirements) get a CADF
event and a log line too, and so do the logins of users whom 2FA is
required of and who have no device yet. Never the code, the password or the
secret.
"""

import keystone.conf
from keystone import exception
from keystone import notifications
from oslo_log import log
from pycadf import cadftaxonomy as taxonomy
from pycadf import reason
from pycadf import resource

from keystone_totp_concat.core import clock
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.server.auth import auth_request
from keystone_totp_concat.server import compat

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)
NOTIFY_OP = 'authenticate'
NOTIFY_EVENT = '%s.%s' % (notifications.SERVICE, NOTIFY_OP)
CHANGE_EVENT = 'identity.OS-TOTP.%s'
RECOVERY_EVENT = CHANGE_EVENT % 'recovery_code_used'


def refuse(user_id, why, user_name=None):
    """Log, notify, and return the 401 for the caller to raise.

    Keystone's AdditionalAuthRequired: "Additional authentications steps
    required.", the answer a client takes as "a code is needed".

    ``user_name``, when the caller has it, saves Keystone a read of the
    user to name the event's initiator.
    """
    LOG.warning(
        'Two Factor Authentication refused for user %(user)s from '
        '%(addr)s: %(why)s.',
        {'user': user_id, 'addr': auth_request.remote_addr(), 'why': why},
    )
    error = exception.AdditionalAuthRequired()
    _notify(user_id, taxonomy.OUTCOME_FAILURE,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER), NOTIFY_EVENT,
            user_name, reason=reason.Reason(str(error), str(error.code)))
    return error


def changed(action, event, user_id, what, device_id=None):
    """An OS-TOTP API change to ``user_id``'s 2FA, by the request's caller.

    ``action`` and ``event`` name the CADF event (``event`` after
    ``identity.OS-TOTP.``); ``what`` says it in the log line.
    """
    _notify(None, taxonomy.OUTCOME_SUCCESS,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER, id=user_id),
            CHANGE_EVENT % event, action=action, device_id=device_id)
    LOG.info('Two Factor Authentication of user %(user)s: %(what)s '
             '(device %(device)s) by user %(actor)s from %(addr)s.',
             {'user': user_id, 'what': what, 'device': device_id or '-',
              'actor': compat.caller_id(),
              'addr': auth_request.remote_addr()})


def _notify(user_id, outcome, target, event_type, user_name=None,
            action=NOTIFY_OP, **payload):
    """A CADF event of ``action`` (a login's ``authenticate``).

    Same call Keystone's own auth plugins and APIs make for their events.
    The initiator is the request's caller, or ``user_id`` when given (a
    login, before any token); Keystone names it (``name``, and ``username``
    kept for compatibility) from the user's record unless it is named
    already. With no notification driver configured the event would go
    nowhere, so it is not built: building it reads the service catalog.
    """
    if not _notifications_sent():
        return
    initiator = notifications.build_audit_initiator()
    if user_id is not None:
        initiator.user_id = user_id
    if user_name is not None:
        initiator.name = initiator.username = user_name
    compat.send_audit_notification(
        action=action, initiator=initiator, outcome=outcome,
        target=target, event_type=event_type, **payload)


def _notifications_sent():
    """Whether Keystone's notifier has a driver that sends somewhere.

    oslo.messaging's ``Notifier.is_enabled`` says yes to no driver at all
    (Keystone's default), which sends nothing either.
    """
    if not compat.notifier():
        return False
    return bool(set(CONF.oslo_messaging_notifications.driver) - {'noop'})


def recovery_message(left):
    return ('A recovery code was used to log in; %d left. Set up a new '
            'device for Two Factor Authentication and make new recovery '
            'codes.' % left)


def recovery_code_used(user_id):
    """Log and notify a login with a recovery code; the codes left."""
    try:
        left = db_recovery.remaining(user_id)
    except Exception as e:
        LOG.warning('Could not count the recovery codes of user %(user)s '
                    '(%(err)s).', {'user': user_id, 'err': type(e).__name__})
        left = 0
    LOG.warning('User %(user)s logged in from %(addr)s with a recovery code; '
                '%(left)d left.', {'user': user_id, 'left': left,
                                   'addr': auth_request.remote_addr()})
    _notify(user_id, taxonomy.OUTCOME_SUCCESS,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER, id=user_id),
            RECOVERY_EVENT, recovery_codes_left=left)
    return left


def grace_login(user_id, ends_at):
    """A login with the password alone inside the user's grace period."""
    LOG.info('User %(user)s logged in from %(addr)s with the password '
             'alone: Two Factor Authentication is required of the user from '
             '%(ends)s.', {'user': user_id, 'addr': auth_request.remote_addr(),
                           'ends': clock.iso(ends_at)})
    _notify(user_id, taxonomy.OUTCOME_SUCCESS,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER, id=user_id),
            CHANGE_EVENT % 'grace_login', grace_ends_at=clock.iso(ends_at))


def set_up_required(user_id, user_name):
    """A right password refused: the grace period is over, no device."""
    LOG.warning('Login of user %(user)s from %(addr)s refused: Two Factor '
                'Authentication is required of the user, who has not set it '
                'up and whose grace period is over.',
                {'user': user_id, 'addr': auth_request.remote_addr()})
    _notify(user_id, taxonomy.OUTCOME_FAILURE,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER), NOTIFY_EVENT,
            user_name, reason=reason.Reason('set-up required', '401'))


def requirement_changed(created, kind, target_id):
    """An operator set (``created``) or lifted a requirement."""
    action = 'create' if created else 'delete'
    _notify(None, taxonomy.OUTCOME_SUCCESS,
            resource.Resource(typeURI=taxonomy.SECURITY_POLICY,
                              id='%s:%s' % (kind, target_id)),
            CHANGE_EVENT % ('requirement.%sd' % action), action=action,
            requirement_kind=kind, target_id=target_id)
    LOG.info('Two Factor Authentication requirement %(what)s: %(kind)s '
             '%(target)s, by user %(actor)s from %(addr)s.',
             {'what': 'set' if created else 'lifted', 'kind': kind,
              'target': target_id,
              'actor': compat.caller_id(),
              'addr': auth_request.remote_addr()})
