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

"""What a login asks the database, counted by MariaDB, against stock.

Every connection Keystone takes from its pool is pinged first and rolled
back when it goes back: a transaction of its own costs a login two round
trips before its first statement. The plugin looks the user up, reads the
credentials and records the code in one transaction, so that a login adds
no connection and only its own statements to what a stock login asks.

MariaDB's global status counts every statement and ping it answers. Only
with KTC_TEST_DB=mysql (``.ci/run`` runs this file so); nothing else uses
the server while a test counts.
"""

import pytest
import sqlalchemy as sa

from tests import databases

pytestmark = pytest.mark.skipif(
    databases.selected() != 'mysql',
    reason='counts with MariaDB status variables: KTC_TEST_DB=mysql')

LOGINS = 6


def asked(cloud):
    """Statements and pings (``Com_admin_commands``) answered so far."""
    with cloud.db.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SHOW GLOBAL STATUS WHERE Variable_name IN "
            "('Questions', 'Com_admin_commands')")).fetchall())
    # Minus this query itself.
    return int(rows['Questions']) - 1, int(rows['Com_admin_commands'])


def per_login(cloud, node, users, field):
    """Statements and pings per login of each user on ``node``."""
    before = asked(cloud)
    for user in users:
        r = cloud.login_as(user, field(user), url=node.url)
        assert r.status_code == 201, r.text
    after = asked(cloud)
    return tuple((a - b) / len(users) for a, b in zip(after, before))


def warm_up(cloud, keystone, stock_keystone, users):
    """Log every user in on both nodes once, as the counted logins will.

    The day's first login of a user writes its last_active_at, and each
    worker's first requests fill its caches.
    """
    for _ in range(2):
        per_login(cloud, stock_keystone, users, lambda u: u.password)
    per_login(cloud, keystone, users,
              lambda u: u.password + (u.code() if u.secrets else ''))


def test_a_user_without_2fa_costs_no_connection_more(cloud, keystone,
                                                     stock_keystone):
    users = [cloud.create_user() for _ in range(LOGINS)]
    warm_up(cloud, keystone, stock_keystone, users)

    stock = per_login(cloud, stock_keystone, users, lambda u: u.password)
    plugin = per_login(cloud, keystone, users, lambda u: u.password)

    statements, pings = (p - s for p, s in zip(plugin, stock))
    # The credential SELECT and the requirements' SELECT (a user without a
    # device), and a COMMIT where the lookup rolled back.
    assert statements <= 2, (plugin, stock)
    assert pings <= 0, (plugin, stock)


def test_password_and_code_cost_no_connection_more(cloud, keystone,
                                                   stock_keystone):
    users = [cloud.create_user(devices=1) for _ in range(LOGINS)]
    warm_up(cloud, keystone, stock_keystone, users)

    stock = per_login(cloud, stock_keystone, users, lambda u: u.password)
    # A later step than the warm-up's code: a device's record exists, so
    # the code's INSERT ... SELECT finds it and an UPDATE advances it.
    plugin = per_login(cloud, keystone, users,
                       lambda u: u.password + u.code(offset_steps=1))

    statements, pings = (p - s for p, s in zip(plugin, stock))
    # The credential SELECT, the INSERT ... SELECT and the UPDATE.
    assert statements <= 3, (plugin, stock)
    assert pings <= 0, (plugin, stock)
