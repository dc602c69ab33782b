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

"""Audit trail of refused codes: who and from where, never a secret."""

import json
import re

from tests import cloud as c


def log_lines(keystone, user):
    return [line for line in keystone.log_file.read_text().splitlines()
            if user.id in line]


def cadf_failures(lines):
    events = []
    for line in lines:
        if 'oslo.messaging.notification.identity.authenticate' in line:
            event = json.loads(line[line.index('{'):])['payload']
            if event['outcome'] == 'failure':
                events.append(event)
    return events


def test_refused_code_is_logged_and_notified_without_secrets(cloud, keystone):
    user = cloud.create_user(devices=1)
    wrong = c.wrong_code(*user.secrets)
    assert cloud.login_as(user, user.password + wrong).json() == (
        c.ADDITIONAL_STEPS_BODY)

    lines = log_lines(keystone, user)
    refusals = [line for line in lines
                if 'Two Factor Authentication refused for user' in line]
    assert len(refusals) == 1
    assert ' WARNING ' in refusals[0]
    assert 'from 127.0.0.1' in refusals[0]

    events = cadf_failures(lines)
    assert len(events) == 1
    assert events[0]['initiator']['user_id'] == user.id
    # Named as Keystone names it, from the user the request resolved.
    assert events[0]['initiator']['name'] == user.name
    assert events[0]['initiator']['username'] == user.name
    assert events[0]['initiator']['host']['address'] == '127.0.0.1'
    assert events[0]['reason']['reasonType'] == (
        'Additional authentications steps required.')

    whole_log = keystone.log_file.read_text()
    assert user.password not in whole_log
    assert user.secrets[0] not in whole_log
    # A code is six digits; ids in the log are hex, so match it whole.
    assert not re.search(r'(?<![0-9a-f])%s(?![0-9a-f])' % wrong,
                         '\n'.join(lines))


def test_successful_login_logs_no_secret(cloud, keystone):
    user = cloud.create_user(devices=1)
    code = user.code()
    assert cloud.login_as(user, user.password + code).status_code == 201
    lines = '\n'.join(log_lines(keystone, user))
    assert user.password not in lines
    assert user.secrets[0] not in keystone.log_file.read_text()
    assert not re.search(r'(?<![0-9a-f])%s(?![0-9a-f])' % code, lines)
    assert not cadf_failures(log_lines(keystone, user))


def test_stock_password_failure_notification_still_goes_out(cloud, keystone):
    """Right code, wrong password: Keystone's own CADF failure, unchanged."""
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, 'wrong-password' + user.code())
    assert r.status_code == 401
    events = cadf_failures(log_lines(keystone, user))
    assert len(events) == 1
    assert events[0]['initiator']['user_id'] == user.id
