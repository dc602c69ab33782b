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
"""``openstack two factor requirement list|set|unset`` and
``openstack two factor compliance list``: the operator's commands.

Names are resolved to ids as the openstack CLI resolves them (domains,
roles and users by name or id); the OS-TOTP API stores only ids Keystone
has exactly.
"""

from osc_lib.command import command
from osc_lib import exceptions

from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import os_totp

REQUIREMENT_COLUMNS = ('kind', 'target_id', 'created_at')
REQUIREMENT_HEADERS = ('Kind', 'Target ID', 'Created At')
REPORT_COLUMNS = ('name', 'id', 'state', 'reasons', 'grace_ends_at')
REPORT_HEADERS = ('Name', 'ID', 'State', 'Reasons', 'Grace Ends At')
# Each option, and what it names.
TARGETS = (('domain', 'Two Factor Authentication for the users of this '
            'domain (name or ID)'),
           ('role', 'Two Factor Authentication for the holders of this role '
            '(name or ID), on any project, domain or the system'),
           ('user', 'Two Factor Authentication for this user (name or ID)'),
           ('exempt_user', 'Exempt this user (name or ID) from every '
            'requirement, e.g. a service or automation account'))


class _Operator:

    def take_action(self, parsed_args):
        try:
            return self.act(self.app.client_manager.two_factor, parsed_args)
        except os_totp.APIError as exc:
            raise exceptions.CommandError(steps.refused(exc).message) from None


class _OneTarget(_Operator):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        group = parser.add_mutually_exclusive_group(required=True)
        for option, what in TARGETS:
            group.add_argument('--' + option.replace('_', '-'),
                               metavar='<%s>' % option.split('_')[-1],
                               help=what)
        parser.add_argument('--user-domain', metavar='<user-domain>',
                            help='Domain of --user or --exempt-user (name '
                                 'or ID), when the name is ambiguous')
        return parser

    def kind_and_id(self, parsed_args):
        from openstackclient.identity import common
        ident = self.app.client_manager.identity
        if parsed_args.domain:
            return 'domains', common.find_domain(ident,
                                                 parsed_args.domain).id
        if parsed_args.role:
            return 'roles', common.find_role(ident, parsed_args.role).id
        kind = 'users' if parsed_args.user else 'exemptions'
        name = parsed_args.user or parsed_args.exempt_user
        return kind, common.find_user(ident, name,
                                      parsed_args.user_domain).id


class SetRequirement(_OneTarget, command.Command):
    """Require Two Factor Authentication (or exempt a user)."""

    def act(self, api, parsed_args):
        api.require(*self.kind_and_id(parsed_args))


class UnsetRequirement(_OneTarget, command.Command):
    """Lift a requirement or an exemption."""

    def act(self, api, parsed_args):
        api.lift(*self.kind_and_id(parsed_args))


class ListRequirement(_Operator, command.Lister):
    """List who must use Two Factor Authentication."""

    def act(self, api, parsed_args):
        return REQUIREMENT_HEADERS, [
            tuple(r[c] for c in REQUIREMENT_COLUMNS)
            for r in api.requirements()]


class ListCompliance(_Operator, command.Lister):
    """Each user of a domain: required or not, enrolled, grace period."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--domain', metavar='<domain>', required=True,
                            help='The domain (name or ID)')
        return parser

    def act(self, api, parsed_args):
        from openstackclient.identity import common
        domain = common.find_domain(self.app.client_manager.identity,
                                    parsed_args.domain)
        return REPORT_HEADERS, [
            (u['name'], u['id'], u['state'], ', '.join(u['reasons']),
             u['grace_ends_at']) for u in api.compliance(domain.id)]
