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

"""Errors of the OS-TOTP API, each with its machine-readable ``kind``.

Every error body on these routes is Keystone's shape plus ``kind``
(doc/source/api/index.rst has the table): clients branch on the kind, never
on the message, which is for people.
"""

import http.client

from keystone import exception

PROOF_REQUIRED = 'proof_required'
CODE_NOT_ACCEPTED = 'code_not_accepted'
NO_PENDING_ENROLMENT = 'no_pending_enrolment'
NOT_ENROLLED = 'not_enrolled'
DEVICE_NOT_FOUND = 'device_not_found'
BAD_REQUEST = 'bad_request'
REQUIRED = 'required'
NOT_REQUIRED = 'not_required'
ALREADY_ENROLLED = 'already_enrolled'
REQUIREMENT_NOT_FOUND = 'requirement_not_found'
# Keystone's own errors on these routes, by HTTP status.
FORBIDDEN = 'forbidden'
NOT_FOUND = 'not_found'
CONFLICT = 'conflict'
UNAUTHORIZED = 'unauthorized'
SERVER_ERROR = 'server_error'
BY_STATUS = {
    http.client.BAD_REQUEST: BAD_REQUEST,
    http.client.UNAUTHORIZED: UNAUTHORIZED,
    http.client.FORBIDDEN: FORBIDDEN,
    http.client.NOT_FOUND: NOT_FOUND,
    http.client.CONFLICT: CONFLICT,
}


class ProofRequired(exception.Error):
    """403 that says what is missing.

    Keystone's Forbidden hides its message unless insecure_debug is on.
    """

    kind = PROOF_REQUIRED
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'Two Factor Authentication is on for this user: this needs a current '
        'code of one of the user\'s devices in "passcode", or a token from a '
        'password+code login of the last %(seconds)d seconds.')


class CodeRefused(exception.Error):
    """403 for a wrong, used or locked-out code; which one is not said."""

    kind = CODE_NOT_ACCEPTED
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'The code was not accepted: it is wrong, already used, or the user\'s '
        'code checks are locked after too many wrong codes.')


class EnrolmentMissing(exception.NotFound):
    kind = NO_PENDING_ENROLMENT
    message_format = (
        'No pending enrolment for this user: it expired, was confirmed, '
        'cancelled or replaced, or never began. Begin again with POST '
        '.../OS-TOTP/enrolment.')


class NotEnrolled(exception.NotFound):
    kind = NOT_ENROLLED
    message_format = ('Two Factor Authentication is not enabled for this '
                      'user.')


class DeviceNotFound(exception.NotFound):
    kind = DEVICE_NOT_FOUND
    message_format = 'Could not find TOTP device: %(device_id)s.'


class Required(exception.Error):
    """403: the user may not turn off 2FA that an operator requires."""

    kind = REQUIRED
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'Two Factor Authentication is required for this user by the cloud\'s '
        'operator: the last device cannot be removed. Add a new device '
        'first, or ask an administrator to reset it.')


class NotRequired(exception.Error):
    """403: set-up without a token is only for users who must use 2FA."""

    kind = NOT_REQUIRED
    code = int(http.client.FORBIDDEN)
    title = http.client.responses[http.client.FORBIDDEN]
    message_format = (
        'Two Factor Authentication is not required for this user: log in '
        'and turn it on with a token (POST .../OS-TOTP/enrolment).')


class AlreadyEnrolled(exception.Error):
    """409: set-up without a token is for users who have no device."""

    kind = ALREADY_ENROLLED
    code = int(http.client.CONFLICT)
    title = http.client.responses[http.client.CONFLICT]
    message_format = (
        'Two Factor Authentication is already on for this user: log in with '
        'the password and a code.')


class RequirementNotFound(exception.NotFound):
    kind = REQUIREMENT_NOT_FOUND
    message_format = 'No such requirement: %(kind)s %(target_id)s.'


class BadRequest(exception.Error):
    kind = BAD_REQUEST
    code = int(http.client.BAD_REQUEST)
    title = http.client.responses[http.client.BAD_REQUEST]
    message_format = '%(detail)s'


# The refusals a client causes and can mend (wrong code, missing proof,
# nothing to act on): logged on one line, not as a server failure.
EXPECTED = (ProofRequired, CodeRefused, EnrolmentMissing, NotEnrolled,
            DeviceNotFound, Required, NotRequired, AlreadyEnrolled,
            RequirementNotFound, BadRequest)


def expected(error):
    return isinstance(error, EXPECTED) and error.code < 500


def kind_of(error):
    """The kind of any Keystone error answered on the OS-TOTP routes."""
    kind = getattr(error, 'kind', None)
    if kind is not None:
        return kind
    if getattr(error, 'code', 500) >= 500:
        return SERVER_ERROR
    return BY_STATUS.get(error.code, BAD_REQUEST)
