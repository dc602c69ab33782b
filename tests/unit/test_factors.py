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

"""factors.needed: what a login must prove, by the user's devices."""

from keystone_totp_concat.server.auth import factors
from keystone_totp_concat.server import credentials


def _devices(count):
    return credentials.Enrolment(['S' * 32] * count, count, [None] * count)


def test_a_user_without_a_device_logs_in_with_the_password_alone():
    assert factors.needed(_devices(0)) is factors.Needed.PASSWORD


def test_a_user_with_a_device_needs_a_code_too():
    assert factors.needed(_devices(1)) is factors.Needed.PASSWORD_AND_CODE
    assert factors.needed(_devices(2)) is factors.Needed.PASSWORD_AND_CODE


def test_a_request_naming_the_totp_method_asks_for_the_code_itself():
    needed = factors.needed(_devices(0), totp_requested=True)
    assert needed is factors.Needed.PASSWORD_AND_CODE
