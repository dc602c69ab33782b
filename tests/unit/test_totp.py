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

"""Pure TOTP logic: no Keystone, microseconds per test."""

import base64

import pyotp
import pytest

from keystone_totp_concat.core import totp

# RFC 6238 appendix B: SHA1 secret "12345678901234567890", 8 digits.
RFC_SECRET = base64.b32encode(b'12345678901234567890').decode()
RFC_VECTORS = [
    (59, '94287082'),
    (1111111109, '07081804'),
    (1111111111, '14050471'),
    (1234567890, '89005924'),
    (2000000000, '69279037'),
    (20000000000, '65353130'),
]


@pytest.mark.parametrize('at, expected', RFC_VECTORS)
def test_rfc6238_vectors(at, expected):
    step = totp.time_step(at)
    assert totp.code_at_step(RFC_SECRET, step, digits=8) == expected


def test_six_digit_code_is_the_low_digits_of_the_rfc_vector():
    assert totp.code_at_step(RFC_SECRET, totp.time_step(59)) == '287082'


@pytest.mark.parametrize('blob, expected', [
    ('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'),
    ('gezdgnbvgy3tqojqgezdgnbvgy3tqojq', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'),
    ('GEZDGNBVGY3TQOJQGEZDGNBVGY======', 'GEZDGNBVGY3TQOJQGEZDGNBVGY'),
    ('GEZDGNBVGY3TQOJQGEZDGNBVGY', 'GEZDGNBVGY3TQOJQGEZDGNBVGY'),
])
def test_normalize_secret_accepts_keystone_base32(blob, expected):
    assert totp.normalize_secret(blob) == expected


@pytest.mark.parametrize('blob', [
    '', 'GEZDGNBV', 'GEZDGNBVGY3TQOJQGEZDGNBV', 'not base32 at all!',
    'GEZDGNBVGY3TQOJ1', '０１２３', None, 12345,
    {'secret': 'GEZDGNBVGY3TQOJQ'}, 'GEZDGNBVGY3TQOJQ\x00',
])
def test_normalize_secret_rejects_unusable_blobs(blob):
    with pytest.raises(totp.InvalidSecret) as e:
        totp.normalize_secret(blob)
    # The message never holds the blob (nothing to hold for an empty one).
    assert blob == '' or str(blob) not in str(e.value)


@pytest.mark.parametrize('size', [16, 20, 32])
def test_codes_match_keystones_own_totp_for_every_accepted_size(size):
    """Keystone's totp method computes codes with cryptography's TOTP."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.twofactor import totp as crypto_totp

    raw = bytes(range(1, size + 1))
    secret = totp.normalize_secret(base64.b32encode(raw).decode())
    reference = crypto_totp.TOTP(raw, 6, hashes.SHA1(), 30)
    at = 1_800_000_000
    assert totp.code_at_step(secret, totp.time_step(at)) == (
        reference.generate(at).decode())


def test_generated_secret_is_160_bits_of_base32():
    secret = totp.generate_secret()
    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.generate_secret()


def test_codes_agree_with_pyotp_apps():
    secret = pyotp.random_base32()
    at = 1_800_000_000
    assert totp.window_codes(secret, at, 0, 0) == {
        totp.time_step(at): pyotp.TOTP(secret).at(at)}


def test_window_spans_steps_before_and_after():
    codes = totp.window_codes(RFC_SECRET, 3000, steps_before=2, steps_after=1)
    assert sorted(codes) == [98, 99, 100, 101]


@pytest.mark.parametrize('code, ok', [
    ('123456', True), ('12345', False), ('1234567', False), ('', False),
    ('１２３４５６', False), ('١٢٣٤٥٦', False), (' 12345', False),
    ('+12345', False), ('-12345', False), ('12 456', False),
    (123456, False), (None, False), (['123456'], False),
])
def test_is_well_formed(code, ok):
    assert totp.is_well_formed(code) is ok


# Fixed secrets, so the window codes are known and never collide by chance.
SECRET_A = base64.b32encode(bytes(range(1, 21))).decode()
SECRET_B = base64.b32encode(bytes(range(21, 41))).decode()
AT = 1_800_000_000


def test_fixed_secrets_have_distinct_codes_around_at():
    """The premise of the find_match tests below."""
    codes = [*totp.window_codes(SECRET_A, AT, 3, 3).values(),
             *totp.window_codes(SECRET_B, AT, 3, 3).values()]
    assert len(set(codes)) == len(codes) == 14


def test_find_match_reports_device_and_step():
    step = totp.time_step(AT) + 1
    code = totp.code_at_step(SECRET_B, step)
    assert totp.find_match([SECRET_A, SECRET_B], code, AT) == totp.Match(
        index=1, step=step)
    assert totp.find_match([SECRET_B, SECRET_A], code, AT) == totp.Match(
        index=0, step=step)


def test_find_match_rejects_codes_outside_the_window():
    late = totp.code_at_step(SECRET_A, totp.time_step(AT) - 2)
    early = totp.code_at_step(SECRET_A, totp.time_step(AT) + 2)
    assert totp.find_match([SECRET_A], late, AT) is None
    assert totp.find_match([SECRET_A], early, AT) is None
    assert totp.find_match([SECRET_A], late, AT, steps_before=2) == (
        totp.Match(index=0, step=totp.time_step(AT) - 2))
    assert totp.find_match([SECRET_A], early, AT, steps_after=2) == (
        totp.Match(index=0, step=totp.time_step(AT) + 2))


def test_find_match_rejects_full_width_digits_of_a_valid_code():
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(1_800_000_000)
    full_width = ''.join(chr(ord(c) + 0xFEE0) for c in code)
    assert full_width.isdigit()
    assert totp.find_match([secret], full_width, 1_800_000_000) is None


def test_find_match_without_secrets_is_none():
    assert totp.find_match([], '123456', 1_800_000_000) is None


def test_find_match_compares_in_constant_time(monkeypatch):
    """Every candidate goes through hmac.compare_digest, even after a match."""
    calls = []
    real = totp.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(totp.hmac, 'compare_digest', spy)
    secrets = [pyotp.random_base32(), pyotp.random_base32()]
    code = totp.code_at_step(secrets[0], totp.time_step(1_800_000_000))
    assert totp.find_match(secrets, code, 1_800_000_000) is not None
    # The number of comparisons is the property (no early exit on a match,
    # so timing does not tell which secret or step matched): it is counted
    # here because no outcome shows it.
    assert len(calls) == 2 * 3


@pytest.mark.parametrize('field, expected', [
    ('secret123456', ('secret', '123456')),
    ('123456', ('', '123456')),
    ('pass', ('pass', None)),
    ('', ('', None)),
    (None, (None, None)),
    ('pässwörd１２３４５６', ('pässwörd', '１２３４５６')),
])
def test_split_field(field, expected):
    assert totp.split_field(field) == expected


def test_split_field_honours_code_length():
    assert totp.split_field('pw12345678', digits=8) == ('pw', '12345678')
