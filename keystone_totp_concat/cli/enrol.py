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

"""``enable``, ``status`` and ``disable``: the seed's enrolment flow.

As on the web page, the secret is shown first and stored only once the user
typed a code their app computed from it, so a badly scanned secret can never
lock anyone out. Codes are checked here, against the new secret with the
server's window (one step either side), before anything reaches Keystone.
"""

import os
import time

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import identity
from keystone_totp_concat.cli import output
from keystone_totp_concat.cli import qr
from keystone_totp_concat import totp

CODE_TRIES = 3
DEFAULT_ISSUER = 'OpenStack'
ISSUER_ENV = 'KEYSTONE_TOTP_ISSUER'


def _target(conn, args):
    if args.user is None:
        return identity.myself(conn)
    return identity.find_user(conn, args.user, args.user_domain)


def _summary(target, devices):
    return {'user_id': target.id, 'user': target.name,
            'domain': target.domain, 'enabled': devices > 0,
            'devices': devices}


def _devices(count):
    return '%d device%s' % (count, '' if count == 1 else 's')


def _code_ok(secret, code):
    code = ''.join(code.split())
    return totp.find_match([secret], code, time.time()) is not None


def _secret(args):
    """A new 160-bit secret, or ``--secret`` if it is usable base32 of at
    least the 128 bits RFC 4226 section 4 requires."""
    if args.secret is None:
        return totp.generate_secret()
    try:
        return totp.normalize_secret(args.secret)
    except totp.InvalidSecret as exc:
        # The message names the problem, never the secret.
        raise errors.CLIError('--secret: %s' % exc, errors.USAGE) from None


def _issuer(args):
    return (args.issuer or os.environ.get(ISSUER_ENV) or args.os_cloud
            or DEFAULT_ISSUER)


def _show(out, target, uri, secret):
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
            'app works, type the code it shows now.')


def _ask_code(out, secret):
    for attempt in range(1, CODE_TRIES + 1):
        try:
            code = out.ask('6-digit code: ')
        except EOFError:
            break
        if _code_ok(secret, code):
            return
        if attempt < CODE_TRIES:
            out.say('That code does not match (is the phone\'s clock right?). '
                    'Try the next code the app shows.')
    raise errors.CLIError(
        'No valid code was typed; nothing was stored and Two Factor '
        'Authentication stays off.', errors.CODE_INVALID)


def enable(args, connect):
    out = output.Output(args.format)
    if args.code is not None and args.secret is None:
        raise errors.CLIError('--code needs --secret: a code can only match '
                              'a secret known in advance.', errors.USAGE)
    if args.qr_file:
        qr.qr_file_kind(args.qr_file)
    secret = _secret(args)
    conn = connect()
    target = _target(conn, args)
    existing = identity.totp_credentials(conn, target.id)
    if existing and not args.add_device:
        raise errors.CLIError(
            'Two Factor Authentication is already enabled for %s (%s); use '
            '--add-device to add another device, or disable it first.'
            % (target.account, _devices(len(existing))), errors.STATE)
    uri = qr.provisioning_uri(secret, target.account, _issuer(args))
    if args.qr_file:
        qr.save(uri, args.qr_file)
    if args.code is None:
        _show(out, target, uri, secret)
        if args.qr_file:
            out.say('The QR code is also in %s (readable only by you; '
                    'delete it once scanned).' % args.qr_file)
        _ask_code(out, secret)
    elif not _code_ok(secret, args.code):
        raise errors.CLIError(
            'The code does not match the secret; nothing was stored and Two '
            'Factor Authentication stays off.', errors.CODE_INVALID)
    credential_id = identity.create_totp(conn, target.id, secret)
    devices = len(existing) + 1
    data = dict(_summary(target, devices), credential_id=credential_id)
    out.result(data, (
        'Two Factor Authentication is enabled for %s (%s).\n'
        'From now on, type the 6-digit code of the app directly after the '
        'password, with no space between them, every time you log in.'
        % (target.account, _devices(devices))))
    return errors.OK


def status(args, connect):
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    devices = len(identity.totp_credentials(conn, target.id))
    if devices:
        text = 'Two Factor Authentication is on for %s (%s).' % (
            target.account, _devices(devices))
    else:
        text = 'Two Factor Authentication is off for %s.' % target.account
    out.result(_summary(target, devices), text)
    return errors.OK


def disable(args, connect):
    out = output.Output(args.format)
    conn = connect()
    target = _target(conn, args)
    existing = identity.totp_credentials(conn, target.id)
    if not existing:
        raise errors.CLIError(
            'Two Factor Authentication is not enabled for %s; nothing to '
            'remove.' % target.account, errors.STATE)
    if not args.yes:
        try:
            answer = out.ask(
                'Remove %s of %s and turn Two Factor Authentication off? '
                '[y/N] ' % (_devices(len(existing)), target.account))
        except EOFError:
            answer = ''
        if answer.lower() not in ('y', 'yes'):
            raise errors.CLIError('Cancelled; nothing was removed.')
    for credential_id in existing:
        identity.delete_credential(conn, credential_id)
    data = dict(_summary(target, 0), removed=len(existing))
    out.result(data, (
        'Two Factor Authentication is off for %s (%s removed); log in with '
        'the password alone.' % (target.account, _devices(len(existing)))))
    return errors.OK
