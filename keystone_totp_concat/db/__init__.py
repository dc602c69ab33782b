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

"""This package's own tables in Keystone's SQL database.

They hold the state that every Keystone process and node must share: which
time step of each TOTP credential was last used (replay protection) and each
user's failed code checks (throttling). The tables are created and upgraded
by ``keystone-totp-manage db_sync``, with alembic migrations that keep their
own version table, so they never touch Keystone's schema or its migrations.
"""
