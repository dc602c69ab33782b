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

"""``enable``, ``status`` and ``disable``: enrolment on a terminal.

As on the web page, the secret is shown first and stored only once the user
typed a code their app computed from it, so a badly scanned secret can never
lock anyone out. Keystone does it (the OS-TOTP API): it makes the secret,
keeps it pending, checks the code with its window and throttle, and stores
the device; the code typed here is then used up.

The steps it shares with ``openstack two factor`` are steps.py's.
"""

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import identity
from keystone_totp_concat.cli import output
from keystone_totp_concat.cli import qr
from keystone_totp_concat.cli import set_up
from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import os_totp


def _target(conn, args):
    if args.user is None:
        return identity.myself(conn)
    return identity.find_user(conn, args.user, args.user_domain)


def _summary(target, state):
    devices = state['devices']
    return {'user_id': target.id, 'user': target.name,
            'domain': target.domain, 'enabled': bool(devices),
            'devices': len(devices),
            'recovery_codes_left': steps.recovery_left(state),
            'device_list': [{k: d.get(k) for k in (
                'id', 'label', 'created_at', 'last_used_at')}
                for d in devices]}


def _devices(count):
    return '%d device%s' % (count, '' if count == 1 else 's')


def _enabled(out, target, devices, answer):
    device = answer['device']
    codes = answer.get('recovery_codes')
    data = {'user_id': target.id, 'user': target.name,
            'domain': target.domain, 'enabled': True, 'devices': devices,
            'credential_id': device['id'], 'label': device.get('label')}
    text = ('Two Factor Authentication is enabled for %s (%s).\n'
            'From now on, type the code of the app directly after the '
            'password, with no space between them, every time you log in.'
            % (target.account, _devices(devices)))
    if codes:
        data['recovery_codes'] = codes
        text += '\n\n' + steps.recovery_text(codes)
    out.result(data, text)
    return errors.OK


def _set_up_at_login(out, args, required):
    """``enable`` for a user who must set 2FA up and gets no token."""
    api = os_totp.Client(required.session, endpoint_override=set_up.v3_url(
        None, required.auth.get('auth_url')))
    return set_up.at_login(
        api, out, args, required.auth,
        lambda target, devices, answer: _enabled(out, target, devices,
                                                 answer),
        lambda target, enrolment, uri: _secret_only(out, target, enrolment,
                                                    uri))


def _secret_only(out, target, enrolment, uri):
    """--no-confirm: the secret and URI, and how to confirm later."""
    data = {k: enrolment[k] for k in (
        'user_id', 'secret', 'account', 'digits', 'period', 'algorithm',
        'expires_at', 'label')}
    data['otpauth_uri'] = uri
    out.result(data, (
        'Secret for %s (shown only now): %s\nURI: %s\nConfirm before '
        '%s with: keystone-totp enable --code CODE'
        % (target.account, qr.grouped(enrolment['secret']), uri,
           enrolment['expires_at'])))
    return errors.OK


def enable(args, connect):
    out = output.Output(args.format)
    if args.code is not None and (args.no_confirm or args.qr_file):
        raise errors.CLIError('--code confirms the pending enrolment: it '
                              'goes without --no-confirm and --qr-file.',
                              errors.USAGE)
    if args.qr_file:
        qr.qr_file_kind(args.qr_file)
    try:
        conn = connect()
    except errors.SetUpRequired as required:
        if args.user is not None:
            raise
        return _set_up_at_login(out, args, required)
    target = _target(conn, args)
    api = identity.TOTP(conn)
    try:
        state = api.status(target.id)
    except os_totp.APIError as exc:
        raise steps.refused(exc) from None
    existing = len(state['devices'])
    if args.code is not None:
        if state['pending_enrolment'] is None:
            raise errors.CLIError(
                'No pending enrolment for %s (none begun, or it expired): '
                'run keystone-totp enable.' % target.account)
        answer = steps.confirm(api, out, target, None, args.code)
        return _enabled(out, target, existing + 1, answer)
    if existing and not args.add_device:
        raise errors.CLIError(
            'Two Factor Authentication is already enabled for %s (%s); use '
            '--add-device to add another device, or disable it first.'
            % (target.account, _devices(existing)), errors.STATE)
    enrolment = steps.with_proof(out, args, lambda passcode: api.begin(
        target.id, args.label, passcode))
    uri = steps.enrolment_uri(enrolment, args)
    if args.qr_file:
        qr.save(uri, args.qr_file)
    if args.no_confirm:
        return _secret_only(out, target, enrolment, uri)
    steps.show_enrolment(out, target, enrolment, uri)
    if args.qr_file:
        out.say('The QR code is also in %s (readable only by you; '
                'delete it once scanned).' % args.qr_file)
    answer = steps.confirm(api, out, target, enrolment['digits'])
    return _enabled(out, target, existing + 1, answer)


def status(args, connect):
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    api = identity.TOTP(conn)
    try:
        state = api.status(target.id)
    except os_totp.APIError as exc:
        raise steps.refused(exc) from None
    devices = state['devices']
    if devices:
        lines = ['Two Factor Authentication is on for %s (%s).' % (
            target.account, _devices(len(devices)))]
        for d in devices:
            lines.append('  %s  %s  created %s  last used %s' % (
                d['id'], d.get('label') or '-', d.get('created_at') or '-',
                d.get('last_used_at') or 'never'))
        lines.append('Recovery codes left: %d' % steps.recovery_left(state))
        text = '\n'.join(lines)
    else:
        text = 'Two Factor Authentication is off for %s.' % target.account
    out.result(_summary(target, state), text)
    return errors.OK


def disable(args, connect):
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    api = identity.TOTP(conn)
    try:
        state = api.status(target.id)
    except os_totp.APIError as exc:
        raise steps.refused(exc) from None
    ids = [d['id'] for d in state['devices']]
    if not ids:
        raise errors.CLIError(
            'Two Factor Authentication is not enabled for %s; nothing to '
            'remove.' % target.account, errors.STATE)
    if args.device is not None and args.device not in ids:
        raise errors.CLIError('%s has no device %s.' % (target.account,
                                                        args.device))
    removing = 1 if args.device is not None else len(ids)
    if not args.yes:
        question = ('Remove %s of %s and turn Two Factor Authentication '
                    'off? [y/N] ' % (_devices(removing), target.account))
        if args.device is not None and len(ids) > 1:
            question = 'Remove device %s of %s? [y/N] ' % (
                args.device, target.account)
        try:
            answer = out.ask(question)
        except EOFError:
            answer = ''
        if answer.lower() not in ('y', 'yes'):
            raise errors.CLIError('Cancelled; nothing was removed.')
    if args.device is None:
        steps.with_proof(out, args, lambda passcode: api.disable(
            target.id, passcode))
    else:
        steps.with_proof(out, args, lambda passcode: api.remove_device(
            target.id, args.device, passcode))
    left = len(ids) - removing
    data = dict(_summary(target, {'devices': []}), removed=removing,
                enabled=left > 0, devices=left)
    if left:
        text = ('Device %s of %s removed; %s left.'
                % (args.device, target.account, _devices(left)))
    else:
        text = ('Two Factor Authentication is off for %s (%s removed); log in '
                'with the password alone.'
                % (target.account, _devices(removing)))
    out.result(data, text)
    return errors.OK


def recovery_codes(args, connect):
    """Make a new set of recovery codes, or (--revoke) delete the set."""
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    api = identity.TOTP(conn)
    if args.revoke:
        steps.with_proof(out, args, lambda passcode: api.revoke_recovery_codes(
            target.id, passcode))
        out.result({'user_id': target.id, 'recovery_codes_left': 0},
                   'The recovery codes of %s are revoked.' % target.account)
        return errors.OK
    answer = steps.with_proof(out, args, lambda passcode: (
        api.new_recovery_codes(target.id, passcode)))
    out.result({'user_id': target.id, 'recovery_codes': answer['codes']},
               'New recovery codes for %s; the old ones no longer work.\n%s'
               % (target.account, steps.recovery_text(answer['codes'])))
    return errors.OK
