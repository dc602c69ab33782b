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

"""Pure TOTP logic (RFC 6238): secrets, window codes, splitting the field.

Nothing here imports Keystone, so it is testable in microseconds and shared
by the server plugin, the client plugin and the enrolment CLI.
"""

import base64
import binascii
import dataclasses
import hmac

import pyotp

STEP_SECONDS = 30
DEFAULT_DIGITS = 6
# RFC 4226 section 4 requires at least 128 bits and recommends 160. Keystone's
# stock totp method (cryptography's TOTP) and pyotp refuse shorter keys too.
MIN_SECRET_BYTES = 16
SECRET_BYTES = 20


class InvalidSecret(ValueError):
    """A stored secret is not usable base32; the message never holds it."""


@dataclasses.dataclass(frozen=True)
class Match:
    """Which secret and which time step a code matched."""

    index: int
    step: int


def normalize_secret(blob):
    """Return the base32 secret in canonical form (upper case, no padding).

    Keystone stores the secret of a ``totp`` credential as the credential's
    blob: base32, usually without padding. Anything that does not decode to
    at least MIN_SECRET_BYTES raises InvalidSecret.
    """
    if not isinstance(blob, str) or not blob.isascii():
        raise InvalidSecret('secret is not an ASCII string')
    secret = blob.strip().upper().rstrip('=')
    padded = secret + '=' * (-len(secret) % 8)
    try:
        decoded = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        raise InvalidSecret('secret is not valid base32') from None
    if len(decoded) < MIN_SECRET_BYTES:
        raise InvalidSecret(
            'secret is shorter than %d bits' % (MIN_SECRET_BYTES * 8))
    return secret


def generate_secret():
    """A random 160-bit secret in base32 (RFC 4226 section 4)."""
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def time_step(at):
    """The RFC 6238 time step (counter) for a Unix time."""
    return int(at // STEP_SECONDS)


def _generator(secret, digits):
    return pyotp.TOTP(secret, digits=digits, interval=STEP_SECONDS)


def code_at_step(secret, step, digits=DEFAULT_DIGITS):
    """The code of ``secret`` for time step ``step``."""
    return _generator(secret, digits).generate_otp(step)


def window_codes(secret, at, steps_before=1, steps_after=1,
                 digits=DEFAULT_DIGITS):
    """Map each accepted time step around ``at`` to its code."""
    current = time_step(at)
    generator = _generator(secret, digits)
    return {
        step: generator.generate_otp(step)
        for step in range(current - steps_before, current + steps_after + 1)
    }


def is_well_formed(code, digits=DEFAULT_DIGITS):
    """True for exactly ``digits`` ASCII digits.

    ``str.isdigit`` alone also accepts full-width and other Unicode digits,
    which RFC 6238 does not define.
    """
    return (
        isinstance(code, str)
        and len(code) == digits
        and code.isascii()
        and code.isdigit()
    )


def find_match(secrets, code, at, steps_before=1, steps_after=1,
               digits=DEFAULT_DIGITS):
    """Return the Match of ``code`` among ``secrets`` in the window, or None.

    Every candidate is compared, with a constant-time comparison, whether or
    not an earlier one matched, so the time taken does not tell which secret
    or step was right. The first match in order of secrets and steps is kept.
    """
    if not is_well_formed(code, digits):
        return None
    found = None
    for index, secret in enumerate(secrets):
        codes = window_codes(secret, at, steps_before, steps_after, digits)
        for step, expected in codes.items():
            if hmac.compare_digest(expected, code) and found is None:
                found = Match(index, step)
    return found


def split_field(field, digits=DEFAULT_DIGITS):
    """Split ``password + code`` into ``(password, code)``.

    The code is the last ``digits`` characters, whatever they are; whether
    they form a valid code is for find_match to decide. A field too short to
    hold a code gives ``(field, None)``.
    """
    if not isinstance(field, str) or len(field) < digits:
        return field, None
    return field[:-digits], field[-digits:]
