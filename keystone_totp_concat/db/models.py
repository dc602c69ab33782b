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

"""Tables of the replay record and the throttle (SQLAlchemy Core).

They live on their own ``MetaData``, not on Keystone's ``ModelBase``, so
Keystone's schema checks and migrations never see them. Nothing secret is
stored: user and credential ids, time-step numbers and Unix times.
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

# One row per enrolled user who has had a code checked.
throttle = sa.Table(
    'totp_concat_throttle',
    metadata,
    sa.Column('user_id', sa.String(64), primary_key=True),
    # Code checks since the last successful login; a check in progress
    # counts until it succeeds, so concurrent guesses cannot overrun it.
    sa.Column('failures', sa.Integer, nullable=False, default=0),
    # Lockouts since the last successful login: the exponent of the next
    # cool-down.
    sa.Column('lockouts', sa.Integer, nullable=False, default=0),
    # Unix time (whole seconds) before which code checks are refused.
    sa.Column('locked_until', sa.BigInteger, nullable=False, default=0),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
)
