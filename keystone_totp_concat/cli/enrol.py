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

The public helpers (with_proof, show_enrolment, confirm, refused) are the
flow ``openstack two factor`` runs too (keystone_totp_concat.osc), so both
commands ask, show and refuse alike.
"""

import os

import pyotp

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import identity
from keystone_totp_concat.cli import output
from keystone_totp_concat.cli import qr
from keystone_totp_concat.client import os_totp

CODE_TRIES = 3
DEFAULT_ISSUER = 'OpenStack'
ISSUER_ENV = 'KEYSTONE_TOTP_ISSUER'
NOT_ALLOWED = ('Not allowed: %s (acting on another user needs the admin '
               'role)')


def _target(conn, args):
    if args.user is None:
        return identity.myself(conn)
    return identity.find_user(conn, args.user, args.user_domain)


def recovery_left(state):
    """Recovery codes left, from an OS-TOTP status answer."""
    return (state.get('recovery_codes') or {}).get('remaining', 0)


def _summary(target, state):
    devices = state['devices']
    return {'user_id': target.id, 'user': target.name,
            'domain': target.domain, 'enabled': bool(devices),
            'devices': len(devices),
            'recovery_codes_left': recovery_left(state),
            'device_list': [{k: d.get(k) for k in (
                'id', 'label', 'created_at', 'last_used_at')}
                for d in devices]}


def _devices(count):
    return '%d device%s' % (count, '' if count == 1 else 's')


def _typed(code):
    return ''.join((code or '').split())


def refused(exc, code=errors.ERROR):
    """A CLIError for an os_totp.APIError: policy refusals say so."""
    if type(exc) is os_totp.Forbidden:
        return errors.CLIError(NOT_ALLOWED % exc.message)
    if isinstance(exc, os_totp.NotServed):
        return errors.CLIError(
            'Keystone does not serve the OS-TOTP API (it must run '
            'keystone_totp_concat.wsgi:application): %s' % exc.message)
    return errors.CLIError(exc.message, code)


def with_proof(out, args, call):
    """Run ``call(passcode)``, with a current code if Keystone wants one.

    Keystone wants one when the token is not a fresh password+code login:
    --current-code, or one typed at the prompt.
    """
    try:
        return call(None)
    except os_totp.ProofRequired as exc:
        proof = exc
    except os_totp.APIError as exc:
        raise refused(exc) from None
    if args.current_code is not None:
        codes = [args.current_code]
    else:
        out.say('Keystone wants a current code of one of the devices you '
                'already have (each code works once: wait for the next one '
                'if you just logged in with it).')
        codes = []
    for attempt in range(CODE_TRIES):
        if attempt >= len(codes):
            try:
                codes.append(out.ask('Current code: '))
            except EOFError:
                break
        try:
            return call(_typed(codes[attempt]))
        except (os_totp.BadRequest, os_totp.CodeNotAccepted) as exc:
            proof = exc
            if args.current_code is not None:
                break
            out.say('That code was not accepted. Try the next code the '
                    'app shows.')
        except os_totp.APIError as exc:
            raise refused(exc) from None
    raise errors.CLIError(
        'No valid current code: %s' % proof.message, errors.CODE_INVALID)


def _issuer(args):
    return args.issuer or os.environ.get(ISSUER_ENV)


def enrolment_uri(enrolment, args):
    """The server's otpauth:// URI, or one with --issuer's name."""
    issuer = _issuer(args)
    if not issuer:
        return enrolment['otpauth_uri']
    return pyotp.TOTP(
        enrolment['secret'], digits=enrolment['digits'],
        interval=enrolment['period'],
    ).provisioning_uri(name=enrolment['account'], issuer_name=issuer)


def show_enrolment(out, target, enrolment, uri):
    secret = enrolment['secret']
    out.say('Scan this QR code with your authenticator app for %s:'
            % target.account)
    out.say()
    qr.terminal(uri, out.display)
    out.say()
    out.say('Or add it by hand: account %s, time-based, key:'
            % target.account)
    out.say()
    out.say('    ' + qr.grouped(secret))
    out.say()
    out.say('URI: ' + uri)
    out.say()
    out.say('Two Factor Authentication is not enabled yet: to check that the '
            'app works, type the code it shows now (this enrolment expires '
            'at %s).' % enrolment['expires_at'])


def confirm(api, out, target, digits, code=None):
    """Confirm the pending enrolment: ``code``, or up to three typed.

    ``api`` is an os_totp.Client, or identity.TOTP.
    """
    for attempt in range(1, CODE_TRIES + 1):
        if code is None:
            try:
                typed = out.ask('%d-digit code: ' % digits)
            except EOFError:
                break
        else:
            typed = code
        try:
            return api.confirm(target.id, _typed(typed))
        except (os_totp.BadRequest, os_totp.CodeNotAccepted) as exc:
            if code is not None:
                raise errors.CLIError(
                    'The code was not accepted; nothing was stored and Two '
                    'Factor Authentication stays as it was (%s)'
                    % exc.message, errors.CODE_INVALID) from None
        except os_totp.APIError as exc:
            raise refused(exc) from None
        if attempt < CODE_TRIES:
            out.say('That code does not match (is the phone\'s clock '
                    'right?). Try the next code the app shows.')
    raise errors.CLIError(
        'No valid code was typed; nothing was stored and Two Factor '
        'Authentication stays as it was.', errors.CODE_INVALID)


def recovery_text(codes):
    return ('Recovery codes (shown only now; store them somewhere safe, '
            'apart from the phone). Each logs you in once in place of a '
            'code, typed after the password as shown, dashes included:\n'
            + '\n'.join('    ' + code for code in codes))


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
        text += '\n\n' + recovery_text(codes)
    out.result(data, text)
    return errors.OK


def enable(args, connect):
    out = output.Output(args.format)
    if args.code is not None and (args.no_confirm or args.qr_file):
        raise errors.CLIError('--code confirms the pending enrolment: it '
                              'goes without --no-confirm and --qr-file.',
                              errors.USAGE)
    if args.qr_file:
        qr.qr_file_kind(args.qr_file)
    conn = connect()
    target = _target(conn, args)
    api = identity.TOTP(conn)
    try:
        state = api.status(target.id)
    except os_totp.APIError as exc:
        raise refused(exc) from None
    existing = len(state['devices'])
    if args.code is not None:
        if state['pending_enrolment'] is None:
            raise errors.CLIError(
                'No pending enrolment for %s (none begun, or it expired): '
                'run keystone-totp enable.' % target.account)
        answer = confirm(api, out, target, None, args.code)
        return _enabled(out, target, existing + 1, answer)
    if existing and not args.add_device:
        raise errors.CLIError(
            'Two Factor Authentication is already enabled for %s (%s); use '
            '--add-device to add another device, or disable it first.'
            % (target.account, _devices(existing)), errors.STATE)
    enrolment = with_proof(out, args, lambda passcode: api.begin(
        target.id, args.label, passcode))
    uri = enrolment_uri(enrolment, args)
    if args.qr_file:
        qr.save(uri, args.qr_file)
    if args.no_confirm:
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
    show_enrolment(out, target, enrolment, uri)
    if args.qr_file:
        out.say('The QR code is also in %s (readable only by you; '
                'delete it once scanned).' % args.qr_file)
    answer = confirm(api, out, target, enrolment['digits'])
    return _enabled(out, target, existing + 1, answer)


def status(args, connect):
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    api = identity.TOTP(conn)
    try:
        state = api.status(target.id)
    except os_totp.APIError as exc:
        raise refused(exc) from None
    devices = state['devices']
    if devices:
        lines = ['Two Factor Authentication is on for %s (%s).' % (
            target.account, _devices(len(devices)))]
        for d in devices:
            lines.append('  %s  %s  created %s  last used %s' % (
                d['id'], d.get('label') or '-', d.get('created_at') or '-',
                d.get('last_used_at') or 'never'))
        lines.append('Recovery codes left: %d' % recovery_left(state))
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
        raise refused(exc) from None
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
        with_proof(out, args, lambda passcode: api.disable(
            target.id, passcode))
    else:
        with_proof(out, args, lambda passcode: api.remove_device(
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
        with_proof(out, args, lambda passcode: api.revoke_recovery_codes(
            target.id, passcode))
        out.result({'user_id': target.id, 'recovery_codes_left': 0},
                   'The recovery codes of %s are revoked.' % target.account)
        return errors.OK
    answer = with_proof(out, args, lambda passcode: (
        api.new_recovery_codes(target.id, passcode)))
    out.result({'user_id': target.id, 'recovery_codes': answer['codes']},
               'New recovery codes for %s; the old ones no longer work.\n%s'
               % (target.account, recovery_text(answer['codes'])))
    return errors.OK
