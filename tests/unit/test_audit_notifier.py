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

"""No CADF event is built for a notifier that sends nowhere.

tests/functional/test_audit.py reads the events a real Keystone sends with
the ``log`` driver. Keystone without a driver cannot show that an event was
*not* built, so this swaps Keystone's send function for a recorder, beside
real oslo.messaging notifiers.
"""

import keystone.conf
from keystone import notifications
import oslo_messaging
import pytest

from keystone_totp_concat.server import audit

CONF = keystone.conf.CONF


@pytest.mark.parametrize('drivers,sent', [([], 0), (['noop'], 0),
                                          (['log'], 1),
                                          (['noop', 'messagingv2'], 1)])
def test_an_event_is_built_only_for_a_notifier_that_sends(monkeypatch,
                                                          drivers, sent):
    transport = oslo_messaging.get_notification_transport(
        CONF, url='fake://')
    CONF.set_override('driver', drivers,
                      group='oslo_messaging_notifications')
    try:
        monkeypatch.setattr(notifications, '_notifier',
                            oslo_messaging.Notifier(transport, 'identity.t'))
        calls = []
        monkeypatch.setattr(notifications, 'build_audit_initiator',
                            lambda: type('Initiator', (), {})())
        monkeypatch.setattr(notifications, '_send_audit_notification',
                            lambda **kwargs: calls.append(kwargs))
        audit._notify('u1', 'failure', None, audit.NOTIFY_EVENT, 'alice')
    finally:
        CONF.clear_override('driver', group='oslo_messaging_notifications')
    assert len(calls) == sent
    if sent:
        assert calls[0]['initiator'].username == 'alice'
        assert calls[0]['initiator'].user_id == 'u1'
