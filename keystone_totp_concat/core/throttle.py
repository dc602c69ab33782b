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

"""Pure arithmetic of the code-guessing throttle (no Keystone imports).

After ``max_failures`` code checks without a success, a user's code checks
are locked; each further lockout lasts twice as long as the one before, up to
a cap. Only the first ``unproved_checks`` failed checks of a lockout period
may be made before the password is verified, and those never start a
lockout: a caller who knows only the user name cannot lock the user out.
``guesses_per_day`` turns that policy into the figure an operator
needs: how many codes an attacker who knows the password can try in a day.
"""

import math

DAY_SECONDS = 86400
# 2**32 lockout durations exceed any cap anyone would configure; stopping the
# exponent there keeps the arithmetic on small integers.
MAX_DOUBLINGS = 32


def unproved_checks(password_first_after, max_failures):
    """Failed checks up to which a code is checked before the password.

    Below ``max_failures``, so that a check without a proved password can
    never be the one that starts a lockout.
    """
    return max(0, min(password_first_after, max_failures - 1))


def lockout_seconds(lockouts, base, cap):
    """Length of the next lockout after ``lockouts`` earlier ones."""
    return min(base * 2 ** min(lockouts, MAX_DOUBLINGS), cap)


def locked_until(now, lockouts, base, cap):
    """Whole second at which a lockout starting at ``now`` ends."""
    return math.ceil(now + lockout_seconds(lockouts, base, cap))


def guesses_per_day(max_failures, base, cap, day=DAY_SECONDS):
    """Worst-case number of codes one user's attacker can try in ``day``.

    The attacker spends every allowance at once: ``max_failures`` checks
    at the start of the day, then ``max_failures`` more each time a lockout
    ends. Escalation only lengthens later lockouts, so a day that starts with
    a clean record is the worst one. A successful login by the real user
    resets the record (by design) and is not counted here.
    """
    guesses, start, lockouts = 0, 0, 0
    while start < day:
        guesses += max_failures
        start += lockout_seconds(lockouts, base, cap)
        lockouts += 1
    return guesses
