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


"""The devices table of the status page, and the admin's row action in
Identity -> Users."""

from django.template import defaultfilters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon.utils import filters as horizon_filters

from keystone_totp_concat.horizon.panel import compliance
from keystone_totp_concat.horizon.panel import reset


def _when(value):
    parsed = horizon_filters.parse_isotime(value)
    return defaultfilters.date(parsed, 'Y-m-d H:i T') if parsed else None


def _status(table):
    return getattr(table, 'status', None) or {}


class EnableLink(tables.LinkAction):
    """"Enable Two Factor Authentication", while it is off."""

    name = 'enable'
    verbose_name = _('Enable Two Factor Authentication')
    url = 'horizon:settings:two_factor:enable'
    classes = ('btn-primary',)
    icon = 'lock'

    def allowed(self, request, datum=None):
        status = _status(self.table)
        return bool(status) and not status.get('enabled')


class AddDeviceLink(tables.LinkAction):
    """Another authenticator app, while 2FA is on."""

    name = 'add_device'
    verbose_name = _('Add another device')
    url = 'horizon:settings:two_factor:enable'
    icon = 'plus'

    def allowed(self, request, datum=None):
        return bool(_status(self.table).get('enabled'))


class RecoveryCodesLink(tables.LinkAction):
    name = 'recovery_codes'
    verbose_name = _('Regenerate recovery codes')
    url = 'horizon:settings:two_factor:recovery_codes'
    icon = 'refresh'

    def allowed(self, request, datum=None):
        status = _status(self.table)
        return bool(status.get('enabled')) and isinstance(
            status.get('recovery_codes'), dict)


class DisableLink(tables.LinkAction):
    name = 'disable'
    verbose_name = _('Turn Two Factor Authentication off')
    url = 'horizon:settings:two_factor:disable'
    classes = ('btn-danger',)
    icon = 'unlock'

    def allowed(self, request, datum=None):
        return bool(_status(self.table).get('enabled'))


class RemoveDeviceLink(tables.LinkAction):
    name = 'remove'
    verbose_name = _('Remove device')
    url = 'horizon:settings:two_factor:remove_device'
    classes = ('btn-danger',)


class DevicesTable(tables.DataTable):
    label = tables.Column(
        lambda d: d.label, verbose_name=_('Device name'),
        empty_value=_('(no name)'))
    created_at = tables.Column(
        lambda d: _when(d.created_at), verbose_name=_('Added'),
        empty_value='-')
    last_used_at = tables.Column(
        lambda d: _when(d.last_used_at), verbose_name=_('Last used'),
        empty_value=_('Never'))

    class Meta(object):
        name = 'devices'
        verbose_name = _('Devices')
        table_actions = (EnableLink, AddDeviceLink, RecoveryCodesLink,
                         DisableLink)
        row_actions = (RemoveDeviceLink,)
        # The status page says "no devices": 2FA off.
        no_data_message = _('No device: Two Factor Authentication is off.')

    def get_object_display(self, datum):
        return datum.label or datum.id


class ResetTOTPLink(tables.LinkAction):
    """Row action of Identity -> Users: reset the user's 2FA (admins).

    Offered on the rows of users with 2FA on, as the page's compliance
    report says (one call per page, :mod:`.compliance`), never on the
    admin's own. Where the report is refused or has no row for the user (a
    user of another domain), it is offered and the page says when there is
    nothing to reset.
    """

    name = 'reset_totp'
    verbose_name = _('Reset Two Factor Authentication')
    url = 'horizon:identity:users:' + reset.URL_NAME
    classes = ('btn-danger',)
    policy_rules = (('identity', 'identity:update_user'),)

    def get_link_url(self, datum=None):
        return reverse(self.url, args=(datum.id,))

    def allowed(self, request, user=None):
        if user is None:
            return True
        # Users change their own 2FA in the panel, with a code.
        if user.id == request.user.id:
            return False
        row = (compliance.report(request) or {}).get(user.id)
        return row is None or bool(row.get('enrolled'))


def add_reset_action(users_table, users_urlpatterns):
    """Add :class:`ResetTOTPLink` to Horizon's users table, and its page.

    Horizon has no setting for row actions of its tables, and builds a
    table's actions when the class is made: the action is added to both the
    options and the instances it keeps. The page joins the users panel's
    URL patterns, read by Horizon when it first resolves a URL.
    """
    if ResetTOTPLink.name in users_table.base_actions:
        return
    meta = users_table._meta
    meta.row_actions = tuple(meta.row_actions) + (ResetTOTPLink,)
    users_table.base_actions[ResetTOTPLink.name] = ResetTOTPLink()
    users_urlpatterns.append(reset.url())
