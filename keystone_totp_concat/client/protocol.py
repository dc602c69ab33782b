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

"""The login protocol of keystone-totp-concat, as a client sees it.

One place for what the keystoneauth1 plugin, the ``keystone-totp`` CLI and
the Horizon extension need to know about a Keystone running the totp_concat
password method:

* an enrolled user sends the code directly after the password, in the same
  field, with no separator (:func:`join`);
* when the code is missing, wrong, already used or the user's code checks
  are throttled, Keystone answers ``401`` with the message
  :data:`ADDITIONAL_STEPS_MESSAGE` (:func:`asks_for_code`);
* a code has 6 to 8 digits: 6 unless the cloud set ``[totp_concat]
  code_length`` (:func:`code_length`, :func:`is_code`).

Nothing here imports Keystone's server code.
"""

import re

from keystoneauth1 import exceptions as ksa_exceptions

from keystone_totp_concat.core import recovery
from keystone_totp_concat.core import totp

# The message of Keystone's AdditionalAuthRequired, which the totp_concat
# password method raises when an enrolled user's code is not accepted.
ADDITIONAL_STEPS_MESSAGE = 'Additional authentications steps required.'
# The 401 of a user who must set 2FA up first, and the end of a grace
# period on a login that is still let in with the password alone.
SET_UP_HEADER = 'Openstack-Totp-Set-Up-Required'
REQUIRED_BY_HEADER = 'Openstack-Totp-Required-By'
# A login with a recovery code: how many are left.
RECOVERY_CODES_LEFT_HEADER = 'Openstack-Totp-Recovery-Codes-Left'
# The text of an RFC 7234 warning (299, "miscellaneous persistent").
_WARNING = re.compile(r'299\s+\S+\s+"((?:[^"\\]|\\.)*)"')

# RFC 6238 codes have 6 to 8 digits; Keystone's [totp_concat] code_length
# takes the same range, 6 by default.
MIN_CODE_LENGTH = 6
MAX_CODE_LENGTH = 8
DEFAULT_CODE_LENGTH = totp.DEFAULT_DIGITS


def _body(answer):
    """The decoded JSON body of a 401 answer, or None.

    ``answer`` is a keystoneauth1 HttpError, an HTTP response (requests or
    keystoneauth1's, anything with ``status_code`` and ``json()``) or an
    already decoded body.
    """
    if isinstance(answer, dict):
        return answer
    if isinstance(answer, ksa_exceptions.HttpError):
        if answer.http_status != 401:
            return None
        # None when not built from a response: nothing to go by, as
        # keystoneauth1 decorates the message ("... (HTTP 401)").
        answer = answer.response
    if getattr(answer, 'status_code', None) != 401:
        return None
    try:
        body = answer.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def asks_for_code(answer):
    """True when ``answer`` is Keystone's "Additional steps" 401.

    That answer means the account has 2FA and the code was not accepted.
    ``answer`` is a keystoneauth1 exception (``Unauthorized`` or a subclass),
    an HTTP response or its decoded JSON body. The message is read from the
    body, as keystoneauth1 decorates the exception's own ``message``.
    Anything else, a 401 with another message included, gives False.
    """
    body = _body(answer)
    error = body.get('error') if body is not None else None
    if not isinstance(error, dict):
        return False
    return (error.get('message') == ADDITIONAL_STEPS_MESSAGE
            and error.get('code', 401) == 401)


def asks_for_set_up(answer):
    """True for the 401 of a user who must set 2FA up before logging in.

    Keystone sends it to a user whom an operator requires to use 2FA, who
    has no device, and whose grace period is over; clients branch on its
    header (SET_UP_HEADER), never on the message. ``answer`` is a
    keystoneauth1 exception or an HTTP response.
    """
    if isinstance(answer, ksa_exceptions.HttpError):
        answer = answer.response
    if getattr(answer, 'status_code', None) != 401:
        return False
    return (answer.headers.get(SET_UP_HEADER) or '').lower() == 'true'


def login_warnings(answer):
    """What the user must be told after a login: the Warning texts.

    Keystone adds them to a token answer after a login with a recovery code
    (RECOVERY_CODES_LEFT_HEADER) and within a grace period of required 2FA
    (REQUIRED_BY_HEADER); other answers give []. ``answer`` is an HTTP
    response (requests or keystoneauth1's).
    """
    headers = getattr(answer, 'headers', None) or {}
    if not (RECOVERY_CODES_LEFT_HEADER in headers
            or REQUIRED_BY_HEADER in headers):
        return []
    return [text.replace('\\"', '"')
            for text in _WARNING.findall(headers.get('Warning') or '')]


def code_length(configured=None, typed=None):
    """The number of digits of the cloud's codes.

    ``configured`` is what the client was told (a plugin option, a Horizon
    setting, the server's answer): an int or a string of digits from 6 to 8,
    else ValueError. Without it, the length of a ``typed`` code when that is
    a code (:func:`is_code`), else 6, Keystone's default.
    """
    if configured is not None and configured != '':
        if isinstance(configured, str) and configured.isascii() and (
                configured.isdigit()):
            configured = int(configured)
        if not isinstance(configured, int) or isinstance(configured, bool):
            raise ValueError('code length must be a number from %d to %d' % (
                MIN_CODE_LENGTH, MAX_CODE_LENGTH))
        length = configured
        if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
            raise ValueError('code length must be from %d to %d, not %d' % (
                MIN_CODE_LENGTH, MAX_CODE_LENGTH, length))
        return length
    if is_code(typed):
        return len(typed)
    return DEFAULT_CODE_LENGTH


def is_code(code, length=None):
    """True for a string of ``length`` ASCII digits (6 to 8 when None).

    Full-width and other Unicode digits are not codes.
    """
    if not (isinstance(code, str) and code.isascii() and code.isdigit()):
        return False
    if length is None:
        return MIN_CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH
    return len(code) == length


def clean_code(typed):
    """A code as a person typed it, without spaces; None when empty.

    Some apps show the code in groups ("123 456").
    """
    if typed is None:
        return None
    return ''.join(str(typed).split()) or None


def join(password, code):
    """The password field of a login: password, then code, no separator.

    Without a code (a user without 2FA) it is the bare password.
    """
    return password + (code or '')


def ends_with_code(field, length=None):
    """Whether a password field looks like it ends with a code.

    Its last ``length`` characters (the default code length when None) are
    ASCII digits, or it ends with a recovery code. Keystone gives one 401
    for a missing and for a refused code; this tells a client which of the
    two the user most likely meant, to word its answer. A password ending
    in digits looks the same, so it is never used to decide anything else.
    """
    length = code_length(length)
    if not isinstance(field, str) or len(field) <= length:
        return False
    return is_code(field[-length:], length) or (
        recovery.split_field(field) is not None)


def digits_label(length=None):
    """The words "6-digit" (or "8-digit") for help texts and errors."""
    return '%d-digit' % code_length(length)
