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

"""The steps ``keystone-totp`` and ``openstack two factor`` share.

A current code when Keystone wants one (with_proof), the enrolment's QR
screen (show_enrolment), the typed code that confirms it (confirm), the
recovery codes' text, and one wording for refusals (refused): both
commands ask, show and refuse alike.
"""

import os

import pyotp

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import qr
from keystone_totp_concat.client import os_totp

CODE_TRIES = 3
ISSUER_ENV = 'KEYSTONE_TOTP_ISSUER'
NOT_ALLOWED = ('Not allowed: %s (acting on another user needs the admin '
               'role)')


def recovery_left(state):
    """Recovery codes left, from an OS-TOTP status answer."""
    return (state.get('recovery_codes') or {}).get('remaining', 0)


def without_spaces(code):
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
            return call(without_spaces(codes[attempt]))
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


def issuer_name(args):
    return args.issuer or os.environ.get(ISSUER_ENV)


def enrolment_uri(enrolment, args):
    """The server's otpauth:// URI, or one with --issuer's name."""
    issuer = issuer_name(args)
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
            return api.confirm(target.id, without_spaces(typed))
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
