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

"""``openstack two factor show|enable|disable``, ``... device
list|show|delete`` and ``... recovery codes create|revoke``.

The flows and messages are ``keystone-totp``'s (cli/steps.py): the same
prompts, QR code and proof handling. What is meant for a person (QR code,
prompts) goes to stderr, so stdout holds only the formatted result.
Refusals end as one line (osc_lib's CommandError), never a traceback.
"""

import logging

from keystoneauth1 import exceptions as ksa_exc
from osc_lib.cli import format_columns
from osc_lib.command import command
from osc_lib import exceptions

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import identity
from keystone_totp_concat.cli import output
from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import os_totp
from keystone_totp_concat.client import protocol
from keystone_totp_concat.osc import set_up

LOG = logging.getLogger(__name__)

DEVICE_COLUMNS = ('id', 'label', 'created_at', 'last_used_at')
DEVICE_HEADERS = ('ID', 'Label', 'Created At', 'Last Used At')


def _add_user(parser):
    parser.add_argument(
        '--user', metavar='<user>',
        help='Act on this user (name or ID) instead of yourself (needs the '
             'admin role)')
    parser.add_argument(
        '--user-domain', metavar='<user-domain>',
        help='Domain the user belongs to (name or ID), when the name is '
             'ambiguous')


def _add_current_code(parser):
    parser.add_argument(
        '--current-code', metavar='<code>',
        help='A current code of a device you already have, when Keystone '
             'asks for one (else it is prompted for)')


def _one_line(exc):
    """The CommandError for what the library or the shared flows raised."""
    if isinstance(exc, os_totp.APIError):
        exc = steps.refused(exc)
    return exceptions.CommandError(exc.message)


class _TwoFactor:
    """What every command shares: the target user and one-line errors."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_user(parser)
        return parser

    def take_action(self, parsed_args):
        try:
            return self.act(self.app.client_manager.two_factor, parsed_args)
        except (errors.CLIError, os_totp.APIError) as exc:
            raise _one_line(exc) from None

    def target(self, parsed_args):
        """The user acted on, named as authenticator apps show it."""
        manager = self.app.client_manager
        if parsed_args.user is None:
            access = manager.auth_ref
            return identity.Target(
                access.user_id, access.username,
                access.user_domain_name or access.user_domain_id)
        from keystoneclient import exceptions as ks_exc
        from openstackclient.identity import common
        ident = manager.identity
        user = common.find_user(ident, parsed_args.user,
                                parsed_args.user_domain)
        # Callers who may not read users get a bare ID back (and then
        # Keystone's policy refusal of the OS-TOTP call).
        domain = getattr(user, 'domain_id', None)
        if domain:
            try:
                domain = ident.domains.get(domain).name
            except ks_exc.ClientException:
                pass  # the domain's ID names it well enough
        return identity.Target(user.id, getattr(user, 'name', user.id),
                               domain)

    @staticmethod
    def output():
        return output.Output('json')


def _summary(target, state):
    pending = state.get('pending_enrolment') or {}
    return {
        'user_id': target.id, 'user': target.name, 'domain': target.domain,
        'enabled': bool(state['devices']), 'devices': len(state['devices']),
        'pending_enrolment_expires_at': pending.get('expires_at'),
        'recovery_codes_left': steps.recovery_left(state)}


def _show_one(data):
    columns = tuple(sorted(data))
    return columns, tuple(data[c] for c in columns)


class ShowTwoFactor(_TwoFactor, command.ShowOne):
    """Show whether Two Factor Authentication is on for a user."""

    def act(self, api, parsed_args):
        target = self.target(parsed_args)
        return _show_one(_summary(target, api.status(target.id)))


class EnableTwoFactor(_TwoFactor, command.ShowOne):
    """Enable Two Factor Authentication, or add a device.

    Shows a new secret as a QR code; Keystone stores it once a code of it
    was typed (or given with --code). When Keystone requires 2FA and
    answers the password alone with the set-up 401, sets it up with the
    password (set_up.py).
    """

    # openstack logs in before a command runs, where the set-up 401 would
    # end it: this command logs in itself, in take_action, through the same
    # public hook of the application.
    auth_required = False

    def take_action(self, parsed_args):
        self.auth_required = True
        try:
            self.app.prepare_to_run_command(self)
        except ksa_exc.Unauthorized as exc:
            if parsed_args.user is not None or not protocol.asks_for_set_up(
                    exc):
                raise
            try:
                return set_up.set_up_at_login(
                    self.app.client_manager, self.output(), parsed_args,
                    self.enabled, _secret_only)
            except (errors.CLIError, os_totp.APIError) as refusal:
                raise _one_line(refusal) from None
        return super().take_action(parsed_args)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_current_code(parser)
        parser.add_argument('--label', metavar='<label>',
                            help='Name of the device')
        parser.add_argument(
            '--issuer', metavar='<issuer>',
            help='Issuer shown by the app (default: $%s, else the cloud\'s '
                 'setting)' % steps.ISSUER_ENV)
        parser.add_argument(
            '--add-device', action='store_true',
            help='Enrol one more device when Two Factor Authentication is '
                 'already on')
        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            '--no-confirm', action='store_true',
            help='Only begin: show the secret and URI and exit; confirm '
                 'later with --code')
        how.add_argument(
            '--code', metavar='<code>',
            help='Confirm the pending enrolment with this code of the new '
                 'device')
        return parser

    def act(self, api, parsed_args):
        out = self.output()
        target = self.target(parsed_args)
        existing = len(api.status(target.id)['devices'])
        if parsed_args.code is not None:
            answer = steps.confirm(api, out, target, None, parsed_args.code)
            return self.enabled(target, existing + 1, answer)
        if existing and not parsed_args.add_device:
            raise errors.CLIError(
                'Two Factor Authentication is already enabled for %s; use '
                '--add-device to add another device, or disable it first.'
                % target.account)
        enrolment = steps.with_proof(out, parsed_args, lambda passcode: (
            api.begin(target.id, parsed_args.label, passcode)))
        uri = steps.enrolment_uri(enrolment, parsed_args)
        if parsed_args.no_confirm:
            return _secret_only(enrolment, uri)
        steps.show_enrolment(out, target, enrolment, uri)
        answer = steps.confirm(api, out, target, enrolment['digits'])
        return self.enabled(target, existing + 1, answer)

    @staticmethod
    def enabled(target, devices, answer):
        device = answer['device']
        data = {'user_id': target.id, 'user': target.name,
                'domain': target.domain, 'enabled': True,
                'devices': devices, 'device_id': device['id'],
                'label': device.get('label')}
        codes = answer.get('recovery_codes')
        if codes:
            # Shown only now: the way back in without the phone.
            data['recovery_codes'] = format_columns.ListColumn(codes)
        return _show_one(data)


def _secret_only(enrolment, uri):
    data = {k: enrolment[k] for k in (
        'user_id', 'secret', 'account', 'digits', 'period', 'algorithm',
        'expires_at', 'label')}
    data['otpauth_uri'] = uri
    return _show_one(data)


def _confirmed(out, parsed_args, question):
    if parsed_args.yes:
        return
    try:
        answer = out.ask(question)
    except EOFError:
        answer = ''
    if answer.lower() not in ('y', 'yes'):
        raise errors.CLIError('Cancelled; nothing was removed.')


class DisableTwoFactor(_TwoFactor, command.Command):
    """Turn Two Factor Authentication off: every device is removed.

    An admin acting on another user (--user) resets a lost phone.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_current_code(parser)
        parser.add_argument('-y', '--yes', action='store_true',
                            help='Do not ask for confirmation')
        return parser

    def act(self, api, parsed_args):
        out = self.output()
        target = self.target(parsed_args)
        devices = len(api.status(target.id)['devices'])
        if not devices:
            raise errors.CLIError(
                'Two Factor Authentication is not enabled for %s; nothing '
                'to remove.' % target.account)
        _confirmed(out, parsed_args, 'Remove %d device(s) of %s and turn '
                   'Two Factor Authentication off? [y/N] '
                   % (devices, target.account))
        steps.with_proof(out, parsed_args, lambda passcode: api.disable(
            target.id, passcode))


class ListDevice(_TwoFactor, command.Lister):
    """List a user's TOTP devices (never a secret)."""

    def act(self, api, parsed_args):
        target = self.target(parsed_args)
        return DEVICE_HEADERS, [tuple(d.get(c) for c in DEVICE_COLUMNS)
                                for d in api.devices(target.id)]


class ShowDevice(_TwoFactor, command.ShowOne):
    """Show one TOTP device."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('device', metavar='<device>',
                            help='Device (ID) to show')
        return parser

    def act(self, api, parsed_args):
        device = api.device(self.target(parsed_args).id, parsed_args.device)
        return DEVICE_COLUMNS, tuple(device.get(c) for c in DEVICE_COLUMNS)


class DeleteDevice(_TwoFactor, command.Command):
    """Remove TOTP device(s); without devices left, 2FA is off."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_current_code(parser)
        parser.add_argument('devices', metavar='<device>', nargs='+',
                            help='Device(s) (ID) to remove')
        return parser

    def act(self, api, parsed_args):
        out = self.output()
        target = self.target(parsed_args)
        failed = 0
        for device_id in parsed_args.devices:
            try:
                steps.with_proof(out, parsed_args, lambda passcode: (
                    api.remove_device(target.id, device_id, passcode)))
            except (errors.CLIError, os_totp.APIError) as exc:
                if len(parsed_args.devices) == 1:
                    raise
                failed += 1
                LOG.error('Device %s: %s', device_id, _one_line(exc))
        if failed:
            raise errors.CLIError('%d of %d devices failed to delete.' % (
                failed, len(parsed_args.devices)))


class CreateRecoveryCodes(_TwoFactor, command.Lister):
    """Make new recovery codes (shown only now); the old ones stop working."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_current_code(parser)
        return parser

    def act(self, api, parsed_args):
        target = self.target(parsed_args)
        answer = steps.with_proof(self.output(), parsed_args, lambda p: (
            api.new_recovery_codes(target.id, p)))
        return ('Recovery Code',), [(code,) for code in answer['codes']]


class RevokeRecoveryCodes(_TwoFactor, command.Command):
    """Revoke a user's recovery codes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_current_code(parser)
        return parser

    def act(self, api, parsed_args):
        target = self.target(parsed_args)
        steps.with_proof(self.output(), parsed_args, lambda p: (
            api.revoke_recovery_codes(target.id, p)))
