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

"""Identity -> Users: a "Two Factor Authentication" column with each
user's compliance state (2FA required by the operator).

One call per page: Keystone's compliance report of the domain the page
lists (GET /v3/OS-TOTP/compliance?domain_id=), read once per request and
kept on it; without a domain context, of the admin's own domain. The
column is shown only when Keystone's policy (``identity:get_totp_compliance``)
gives the report to the dashboard user: Horizon's policy files do not have
the rule, so the answer decides.
"""

from django.utils.translation import gettext_lazy as _
from horizon import tables
from openstack_dashboard.utils import identity

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon.panel import api

NAME = 'ktc_compliance'
STATES = {
    'enrolled': _('On'),
    'not_required': _('Not required'),
    'not_yet_logged_in': _('Required, not logged in since'),
    'in_grace': _('Required, in grace period'),
    'overdue': _('Required, overdue'),
}
_CACHE = '_ktc_compliance'


def report(request):
    """{user id: compliance row} of the page's domain, or None if refused."""
    if not hasattr(request, _CACHE):
        rows = None
        try:
            # A cloud admin without a domain context lists every domain's
            # users: the report is the admin's own domain's, the others'
            # cells stay empty.
            domain_id = (identity.get_domain_id_for_operation(request)
                         or request.user.user_domain_id)
            rows = {row['id']: row for row in
                    api.Client(request, admin=True).compliance(
                        domain_id)}
        except os_totp.APIError:
            pass
        setattr(request, _CACHE, rows)
    return getattr(request, _CACHE)


class ComplianceColumn(tables.Column):

    def __init__(self):
        super().__init__(NAME, verbose_name=_('Two Factor Authentication'))

    def allowed(self, request):
        return report(request) is not None

    def get_raw_data(self, datum):
        row = (report(self.table.request) or {}).get(datum.id)
        if row is None:
            return None
        text = STATES.get(row.get('state'), row.get('state'))
        ends = row.get('grace_ends_at')
        if row.get('state') in ('in_grace', 'overdue') and ends:
            text = _('%(state)s (until %(when)s)') % {
                'state': text, 'when': ends}
        return text


def add_column(users_table):
    """Add the column before the actions of Horizon's users table.

    Horizon copies a table's columns per instance from ``_columns``, built
    when the class is made; the column joins it once.
    """
    if NAME in users_table._columns:
        return
    columns = list(users_table._columns.items())
    at = len(columns) - 1 if columns and columns[-1][0] == 'actions' else (
        len(columns))
    columns.insert(at, (NAME, ComplianceColumn()))
    users_table._columns = type(users_table._columns)(columns)
