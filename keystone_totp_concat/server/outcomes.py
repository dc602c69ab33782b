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
"""What a check decided about a request's second factor, and its proof.

The checks (verify) answer a Decision; the login (auth.second_factor), the
password change and the OS-TOTP API branch on its Outcome and hand its
proof to code_use once the request's fate is known.
"""

import dataclasses
import enum
import typing


@dataclasses.dataclass(frozen=True)
class Verified:
    """A code that passed check_code: whose, which device, which step.

    ``history``: the user had failed checks on record, which settle forgets.
    """

    user_id: str
    credential_id: str
    step: int
    history: bool = False


@dataclasses.dataclass(frozen=True)
class RecoveryVerified:
    """A recovery code that passed check_recovery_code, and when."""

    user_id: str
    code_id: str
    used_at: int


class Outcome(enum.Enum):
    """What a check decided about a request's second factor."""

    # check_login only: the user is not enrolled, or the code is not a TOTP
    # code (a recovery code, or malformed); the caller checks it itself.
    NOT_CHECKED = 'not checked'
    # Wrong, malformed, replayed, throttled, or the store failed.
    REFUSED = 'refused'
    # A current code of a device, recorded as used (``proof``: a Verified).
    TOTP = 'totp'
    # An unused recovery code, not yet used up (``proof``: a
    # RecoveryVerified; use_up records it).
    RECOVERY = 'recovery'


@dataclasses.dataclass(frozen=True)
class Decision:
    """A check's outcome and, when it accepted the code, what proves it."""

    outcome: Outcome
    proof: typing.Union[Verified, RecoveryVerified, None] = None

    @property
    def accepted(self):
        return self.outcome in (Outcome.TOTP, Outcome.RECOVERY)


NOT_CHECKED = Decision(Outcome.NOT_CHECKED)
REFUSED = Decision(Outcome.REFUSED)


def totp_decision(verified):
    """TOTP for a Verified, REFUSED for None."""
    return REFUSED if verified is None else Decision(Outcome.TOTP, verified)
