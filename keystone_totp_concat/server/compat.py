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

"""Every use of Keystone's private names, one small function each.

Keystone offers no public way to add policy actions to its enforcer, to ask
it a question without raising, to read the request's policy context, to send
a CADF event of a chosen type, to render one of its errors, or to keep its
error handler from logging an expected refusal as a failure. The package
needs each; keeping them here makes the exposure one file, and
tests/unit/test_upstream_copies.py pins the upstream code of each, so a
Keystone upgrade that changes one fails the suite instead of the server.
"""

import logging

from keystone.common.rbac_enforcer import enforcer as ks_enforcer
from keystone import notifications

RBAC = ks_enforcer.RBACEnforcer


def accept_action_names(names):
    """Let ``enforce_call`` accept ``names`` as policy actions.

    It refuses any name outside a set Keystone builds from its own rules at
    import (RBACEnforcer.enforce_call).
    """
    names = frozenset(names)
    if not names <= ks_enforcer._POSSIBLE_TARGET_ACTIONS:
        ks_enforcer._POSSIBLE_TARGET_ACTIONS = (
            ks_enforcer._POSSIBLE_TARGET_ACTIONS | names)


def policy_enforcer():
    """The oslo.policy Enforcer inside Keystone's (RBACEnforcer._enforcer)."""
    return RBAC()._enforcer


def passes(context, action, target):
    """Whether ``context`` passes ``action`` on ``target``, without raising."""
    return bool(RBAC()._enforce(credentials=context, action=action,
                                target=target, do_raise=False))


def request_context():
    """The oslo.context of the current request, or None."""
    return RBAC._get_oslo_req_context()


def caller_id():
    """The user id of the request's token, or None."""
    return getattr(request_context(), 'user_id', None)


def send_audit_notification(**event):
    """A CADF event of any type (notifications._send_audit_notification)."""
    notifications._send_audit_notification(**event)


def notifier():
    """Keystone's oslo.messaging notifier, or None when it has none."""
    return notifications._get_notifier()


def render_error(error):
    """The response Keystone's application gives for ``error``."""
    # Imported here: the module imports all of Keystone's APIs, and this
    # one is imported by the auth plugins, which Keystone loads before.
    from keystone.server.flask import application
    return application._handle_keystone_exception(error)


# The logger of _handle_keystone_exception (its module's oslo_log LOG).
_ERROR_HANDLER_LOGGER = 'keystone.server.flask.application'


def quiet_error_handler_log(expected):
    """Drop the error handler's log records of errors ``expected`` accepts.

    _handle_keystone_exception logs every error but Unauthorized and
    NotFound with LOG.exception: ERROR and a traceback, even for a wrong
    code. A filter, not a level change, so other errors of other threads
    are logged as before. Added once per ``expected``.
    """
    logger = logging.getLogger(_ERROR_HANDLER_LOGGER)
    for existing in logger.filters:
        if getattr(existing, 'expected', None) is expected:
            return

    def keep(record):
        error = record.exc_info[1] if record.exc_info else None
        return error is None or not expected(error)

    keep.expected = expected
    logger.addFilter(keep)
