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

"""The one place where a user's TOTP code is checked inside Keystone."""

import time

import keystone.conf
from oslo_log import log

from keystone_totp_concat import conf as totp_conf
from keystone_totp_concat import totp

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)

totp_conf.register_opts(CONF)


def code_length():
    return CONF.totp_concat.code_length


def check_code(user_id, enrolment, code):
    """True when ``code`` is a current code of one of the user's devices."""
    group = CONF.totp_concat
    match = totp.find_match(
        enrolment.secrets,
        code,
        time.time(),
        steps_before=group.steps_before,
        steps_after=group.steps_after,
        digits=group.code_length,
    )
    if match is None:
        LOG.info('Invalid or missing TOTP code for user %s.', user_id)
        return False
    return True
