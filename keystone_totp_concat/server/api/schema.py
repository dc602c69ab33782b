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

"""Request bodies of the OS-TOTP API, as JSON schema.

Validated with Keystone's validator after the policy check, as Keystone's
own APIs do. Its messages quote the offending value and the object around
it, and Keystone logs them at ERROR: so a passcode that is no string gets a
message here that names only the field, and the validator is given the body
with each passcode replaced by a placeholder. What a schema cannot say
without quoting the value (the code's length, a label's printable
characters) is checked in ``passcode`` and ``label``.
"""

from keystone.common import validation

from keystone_totp_concat.core import totp
from keystone_totp_concat.server.api import errors

LABEL_MAX = 255
SECRET_FIELDS = ('passcode',)
REDACTED = '***'

# null is no passcode, as when absent.
_passcode = {'type': ['string', 'null']}
_label = {'type': 'string'}


def _body(key, **properties):
    """A body whose optional ``key`` object holds only ``properties``."""
    return {
        'type': 'object',
        'properties': {key: {
            'type': 'object',
            'properties': properties,
            'additionalProperties': False,
        }},
    }


enrolment_create = _body('enrolment', passcode=_passcode, label=_label)
device_create = _body('device', passcode=_passcode, label=_label)
device_delete = _body('device', passcode=_passcode)
totp_delete = _body('totp', passcode=_passcode)
recovery_codes = _body('recovery_codes', passcode=_passcode)


def validate(schema, body):
    """The member object of ``body`` named by ``schema``; {} when absent.

    ``body`` is the parsed request body (Keystone refuses one that is not a
    JSON object before any resource runs).
    """
    (key,) = schema['properties']
    member = body.get(key) if isinstance(body, dict) else None
    if isinstance(member, dict):
        redacted = dict(member)
        for field in SECRET_FIELDS:
            value = member.get(field)
            if value is None:
                continue
            if not isinstance(value, str):
                raise errors.BadRequest(
                    detail="Invalid input for field '%s/%s': expected a "
                    "string." % (key, field))
            redacted[field] = REDACTED
        body = dict(body, **{key: redacted})
    validation.lazy_validate(schema, body)
    return member or {}


def passcode(member, digits, required):
    """The passcode of ``member``, or None if absent and not required.

    Anything but exactly ``digits`` ASCII digits is a 400: not a guess, so
    not counted by the throttle.
    """
    code = member.get('passcode')
    if code is None and not required:
        return None
    if not totp.is_well_formed(code, digits):
        raise errors.BadRequest(detail='"passcode" must be the %d-digit code '
                                'of the authenticator app.' % digits)
    return code


def label(member):
    """The stripped label of ``member``, or None."""
    text = member.get('label')
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > LABEL_MAX or not text.isprintable():
        raise errors.BadRequest(detail='"label" must be 1 to %d printable '
                                'characters.' % LABEL_MAX)
    return text
