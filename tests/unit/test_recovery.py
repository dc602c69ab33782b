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

"""Recovery code format: pure logic, no Keystone."""

import re

from keystone_totp_concat.core import recovery
from keystone_totp_concat.core import totp


def test_codes_are_ten_distinct_dashed_groups():
    codes = recovery.generate()
    assert len(codes) == 10
    assert len({recovery.code_id(c) for c in codes}) == 10
    for code in codes:
        assert re.fullmatch('([0-9a-hjkmnp-tv-z]{4}-){2}[0-9a-hjkmnp-tv-z]{4}',
                            code)
        assert recovery.is_recovery_code(code)


def test_a_code_is_found_after_the_password():
    code = 'k7f2-9xqm-3hpa'
    assert recovery.split_field('s3cret' + code) == ('s3cret', code)
    assert recovery.split_field(code) == ('', code)


def test_a_field_ending_with_a_totp_code_never_looks_like_one():
    for field in ('pw-abcd-efgh-123456', 'pw123456', 'abcd-efgh-12345678',
                  'abcd-efgh-1234567'):
        assert recovery.split_field(field) is None
        assert not recovery.is_recovery_code(field[-14:])


def test_only_the_exact_shape_counts():
    for value in ('K7F2-9XQM-3HPA', 'k7f2 9xqm 3hpa', 'k7f29xqm3hpa',
                  'k7f2-9xqm-3hpi', 'k7f2-9xqm-3hp', None, 123, ['x']):
        assert not recovery.is_recovery_code(value)
    assert recovery.split_field('pwk7f2-9xqm-3hpo') is None


def test_a_recovery_code_is_not_a_well_formed_totp_code():
    for code in recovery.generate():
        for digits in (6, 7, 8):
            assert not totp.is_well_formed(code, digits)
