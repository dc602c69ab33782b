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

"""Tables of this package (SQLAlchemy Core): replay record, throttles,
pending enrolments, device details, recovery codes, who must use 2FA.

They live on their own ``MetaData``, not on Keystone's ``ModelBase``, so
Keystone's schema checks and migrations never see them. Nothing secret is
stored in clear: user and credential ids, time-step numbers, Unix times,
labels; a pending secret is encrypted, a recovery code only hashed. The
migrations (db/migrations) create them.
"""

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per TOTP credential that produced a token: the highest time step
# used so far. A code is accepted only if its step is higher, which refuses
# a replay of the same code and any older code observed before it.
last_use = sa.Table(
    'totp_concat_last_use',
    metadata,
    sa.Column('user_id', sa.String(64), primary_key=True),
    sa.Column('credential_id', sa.String(64), primary_key=True),
    sa.Column('step', sa.BigInteger, nullable=False),
    sa.Index('ix_totp_concat_last_use_step', 'step'),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)


def _throttle_table(name, *extra):
    """A throttle's table: one row per user with failed checks on record."""
    return sa.Table(
        name,
        metadata,
        sa.Column('user_id', sa.String(64), primary_key=True),
        # Code checks since the last success; a check in progress counts
        # until it succeeds, so concurrent guesses cannot overrun it.
        sa.Column('failures', sa.Integer, nullable=False, default=0),
        # Lockouts since the last success: the exponent of the next
        # cool-down.
        sa.Column('lockouts', sa.Integer, nullable=False, default=0),
        # Unix time (whole seconds) before which code checks are refused.
        sa.Column('locked_until', sa.BigInteger, nullable=False, default=0),
        *extra,
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )


# The login's throttle: one row per enrolled user who has had a code checked.
throttle = _throttle_table(
    'totp_concat_throttle',
    # Requests refused unchecked because their password was wrong once the
    # checks without one were spent. Written so that such a refusal costs
    # the database what a counted check costs: the time of an answer says
    # nothing about the password.
    sa.Column('refused', sa.BigInteger, nullable=False, default=0,
              server_default='0'),
)

# The same throttle for the codes that prove the second factor on the
# OS-TOTP API (a token holder's ``passcode``, an enrolment's confirm code):
# kept apart, so that a stolen token's wrong codes lock only its proofs,
# never the user's logins.
proof_throttle = _throttle_table('totp_concat_proof_throttle')

# A pending enrolment of the OS-TOTP API (db/enrolment.py): a secret the
# server made and showed once, waiting for a code from the user's app.
pending = sa.Table(
    'totp_concat_pending',
    metadata,
    sa.Column('user_id', sa.String(64), primary_key=True),
    # Fernet token of Keystone's credential provider; never the clear secret.
    sa.Column('encrypted_secret', sa.Text, nullable=False),
    sa.Column('key_hash', sa.String(64), nullable=False),
    sa.Column('label', sa.String(255), nullable=True),
    # Whether the begin proved the second factor (a code, a fresh
    # password+code token, or an admin acting on another user): a confirm of
    # an enrolment begun without proof is refused once the user is enrolled.
    sa.Column('proved', sa.Boolean, nullable=False),
    sa.Column('created_at', sa.BigInteger, nullable=False),
    sa.Column('expires_at', sa.BigInteger, nullable=False),
    # The OS-TOTP API purges expired rows by this column.
    sa.Index('ix_totp_concat_pending_expires_at', 'expires_at'),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)

# What the credential table has no column for, per TOTP device.
device = sa.Table(
    'totp_concat_device',
    metadata,
    sa.Column('credential_id', sa.String(64), primary_key=True),
    sa.Column('user_id', sa.String(64), nullable=False),
    sa.Column('label', sa.String(255), nullable=True),
    sa.Column('created_at', sa.BigInteger, nullable=False),
    # Highest RFC 6238 time step of the device that produced a token, as
    # of its replay record's last purge (db/enrolment.devices).
    sa.Column('last_used_step', sa.BigInteger, nullable=True),
    sa.Index('ix_totp_concat_device_user_id', 'user_id'),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)

# One row per recovery code (db/recovery.py): only a salted slow hash.
recovery_code = sa.Table(
    'totp_concat_recovery_code',
    metadata,
    sa.Column('user_id', sa.String(64), primary_key=True),
    sa.Column('code_id', sa.String(16), primary_key=True),
    sa.Column('code_hash', sa.String(255), nullable=False),
    sa.Column('created_at', sa.BigInteger, nullable=False),
    sa.Column('used_at', sa.BigInteger, nullable=True),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)

# Who must use Two Factor Authentication (server/requirements.py): the users
# of a domain, the holders of a role, one user; or one user exempted. Only
# ids Keystone resolved exactly are stored, and they are compared in Python.
requirement = sa.Table(
    'totp_concat_requirement',
    metadata,
    sa.Column('kind', sa.String(16), primary_key=True),
    sa.Column('target_id', sa.String(64), primary_key=True),
    sa.Column('created_at', sa.BigInteger, nullable=False),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)

# When a requirement first met a user's right password without a device:
# the start of the user's grace period.
required_since = sa.Table(
    'totp_concat_required_since',
    metadata,
    sa.Column('user_id', sa.String(64), primary_key=True),
    sa.Column('since', sa.BigInteger, nullable=False),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)
