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

"""keystoneauth1 identity plugin: the v3 password method with the TOTP code
typed after the password, in the same field.

That is the login protocol of the totp_concat password method (and of any
server that splits the field), so nothing but ``password`` ever goes over the
wire. Users without 2FA use the same plugin and simply give no code.

A code works only once. The plugin remembers which codes already made a token
and never sends one again; when keystoneauth1 needs a new token it computes a
fresh code (``totp_secret``), asks on the terminal (``prompt``) or raises
TOTPCodeUsed. With ``token_cache`` the token outlives the process, so several
commands share one code.
"""

import contextvars
import getpass
import logging
import sys
import time

from keystoneauth1 import access
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1.identity import v3

from keystone_totp_concat.client import exceptions
from keystone_totp_concat.client import protocol
from keystone_totp_concat.client import token_cache as cache_mod
from keystone_totp_concat.core import totp

PROMPT = 'TOTP passcode: '
# Codes a person may type for one login: a typo is not fatal, and the
# bound keeps wrong codes (which the server throttles) few.
PROMPT_TRIES = 3

LOG = logging.getLogger(__name__)

# The code of the login request being built, as (method, code), for this
# thread (or asyncio task) only: threads sharing a plugin never see each
# other's code, and the method's password is never changed.
_IN_FLIGHT = contextvars.ContextVar('keystone_totp_concat_code',
                                    default=None)


def terminal_prompt():
    """Ask for the code on the terminal; None when there is no terminal.

    Same rule as osc-lib's password prompt: only when stdin is a TTY, so
    scripts and cron jobs fail with TOTPRequired instead of hanging.
    """
    if not (hasattr(sys.stdin, 'isatty') and sys.stdin.isatty()):
        return None
    try:
        return getpass.getpass(PROMPT).strip() or None
    except EOFError:
        return None


def warn_after_login(response, *args, **kwargs):
    """Log Keystone's login warnings (recovery code used, 2FA required).

    A requests response hook: keystoneauth1 keeps no answer of its login.
    keystoneauth1's own plugins log this way too, so the openstack CLI
    shows them. Once per answer, whatever number of hooks see it.
    """
    if not getattr(response, '_ktc_warned', False):
        response._ktc_warned = True
        for text in protocol.login_warnings(response):
            LOG.warning('%s', text)
    return response


class PasswordTOTPMethod(v3.PasswordMethod):
    """keystoneauth1's password method, with the code after the password.

    The code of the login in progress goes directly after the password
    (protocol.join). It is not an attribute: PasswordTOTP hands it over for
    the one request it makes (see _IN_FLIGHT), so the method can be shared.
    """

    def get_auth_data(self, session, auth, headers, request_kwargs):
        name, data = super().get_auth_data(session, auth, headers,
                                           request_kwargs)
        hooks = request_kwargs.setdefault('hooks', {})
        hooks['response'] = list(hooks.get('response') or []) + [
            warn_after_login]
        in_flight = _IN_FLIGHT.get()
        if in_flight is not None and in_flight[0] is self and in_flight[1]:
            user = dict(data['user'],
                        password=protocol.join(self.password, in_flight[1]))
            data = dict(data, user=user)
        return name, data


class PasswordTOTP(v3.Password):
    """Password authentication for accounts with (or without) 2FA.

    Takes every argument of keystoneauth1's v3 Password, plus:

    :param passcode: The current TOTP code. Empty or None sends the bare
        password, which is what a user without 2FA needs.
    :param totp_secret: Base32 TOTP secret; the plugin computes codes itself.
    :param token_cache: Path of a TokenCache file, to reuse tokens across
        processes (opt-in).
    :param prompt: Callable returning a code typed by a person, or None; it is
        called when Keystone asks for a code or when the given one is used up.
    :param code_length: Digits of the cloud's codes (6 to 8, the server's
        ``[totp_concat] code_length``); codes computed from ``totp_secret``
        have that many. Default: 6, Keystone's default.
    """

    _auth_method_class = PasswordTOTPMethod

    def __init__(self, auth_url, password, *args, passcode=None,
                 totp_secret=None, token_cache=None, prompt=None,
                 code_length=None, **kwargs):
        super().__init__(auth_url, password, *args, **kwargs)
        self._code_length = (protocol.code_length(code_length)
                             if code_length not in (None, '') else None)
        self._passcode = protocol.clean_code(passcode)
        self._secret = (totp.normalize_secret(totp_secret)
                        if totp_secret else None)
        self._cache = (cache_mod.TokenCache(token_cache)
                       if token_cache else None)
        self._prompt = prompt
        # Codes that already made a token: Keystone refuses them from now on.
        self._used = set()

    def get_auth_ref(self, session):
        key = self._cache_key() if self._cache else None
        if key:
            ref = self._cached_ref(session, key)
            if ref is not None:
                return ref
        ref = self._authenticate(session)
        if key:
            self._cache.put(key, ref.auth_token, ref.expires)
        return ref

    def invalidate(self):
        # A token a service refused must not come back from the cache.
        if self._cache:
            self._cache.forget(self._cache_key())
        return super().invalidate()

    def _authenticate(self, session):
        """POST password+code, again while another code is at hand.

        On "additional steps required" try another code: the next time
        step (totp_secret), or one typed on the terminal, up to
        PROMPT_TRIES of them.
        """
        code = self._first_code()
        tried = set()
        for attempt in range(PROMPT_TRIES + 1):
            try:
                return self._request(session, code)
            except ksa_exceptions.Unauthorized as e:
                if not protocol.asks_for_code(e):
                    raise
                refused = e
            tried.add(code)
            retry = self._retry_code(tried) if attempt < PROMPT_TRIES else None
            if retry is None:
                raise self._required(refused, code) from None
            code = retry

    def _required(self, cause, code):
        """TOTPRequired saying how many digits the cloud's codes have."""
        return exceptions.TOTPRequired(
            cause, code_length=protocol.code_length(self._code_length, code))

    def _used_up(self):
        return exceptions.TOTPCodeUsed(
            code_length=protocol.code_length(self._code_length,
                                             self._passcode))

    def _first_code(self):
        if self._secret:
            code = self._secret_code(self._used)
            if code is None:
                raise self._used_up()
            return code
        if self._passcode and self._passcode not in self._used:
            return self._passcode
        if self._used:
            # A code made a token before, so the account needs a new one.
            code = self._ask()
            if code is None:
                raise self._used_up()
            return code
        return None

    def _retry_code(self, refused):
        if self._secret:
            return self._secret_code(self._used | refused)
        return self._ask(refused)

    def _ask(self, refused=frozenset()):
        """A code typed by a person, not used or refused before, or None."""
        code = protocol.clean_code(self._prompt()) if self._prompt else None
        if not code or code in self._used or code in refused:
            return None
        self._passcode = code
        return code

    def _secret_code(self, exclude):
        """The code of the current time step, or of the next one.

        The next one (the server accepts both) when the current one was
        already used.
        """
        step = totp.time_step(time.time())
        digits = protocol.code_length(self._code_length)
        for candidate in (step, step + 1):
            code = totp.code_at_step(self._secret, candidate, digits)
            if code not in exclude:
                return code
        return None

    def _request(self, session, code):
        """One login request with ``code``, by keystoneauth1's own Auth."""
        in_flight = _IN_FLIGHT.set((self.auth_methods[0], code))
        try:
            ref = super().get_auth_ref(session)
        finally:
            _IN_FLIGHT.reset(in_flight)
        if code:
            self._used.add(code)
        return ref

    def _token_url(self):
        if self.auth_url.rstrip('/').endswith('v3'):
            return self.token_url
        return '{}/v3/auth/tokens'.format(self.auth_url.rstrip('/'))

    def _cache_key(self):
        method = self.auth_methods[0]
        return cache_mod.cache_key(
            auth_url=self.auth_url.rstrip('/'),
            user_id=method.user_id,
            username=method.username,
            user_domain_id=method.user_domain_id,
            user_domain_name=method.user_domain_name,
            domain_id=self.domain_id,
            domain_name=self.domain_name,
            project_id=self.project_id,
            project_name=self.project_name,
            project_domain_id=self.project_domain_id,
            project_domain_name=self.project_domain_name,
            trust_id=self.trust_id,
            system_scope=self.system_scope,
            unscoped=self.unscoped,
        )

    def _cached_ref(self, session, key):
        """The AccessInfo of the cached token, or None if unusable.

        The token is validated with Keystone (it may have been revoked) and
        its AccessInfo rebuilt, catalog included.
        """
        token = self._cache.get(key)
        if not token:
            return None
        url = self._token_url()
        if not self.include_catalog:
            url += '?nocatalog'
        resp = session.get(
            url, authenticated=False, raise_exc=False, log=False,
            headers={'X-Auth-Token': token, 'X-Subject-Token': token,
                     'Accept': 'application/json'})
        try:
            body = resp.json() if resp.status_code == 200 else {}
        except ValueError:
            body = {}
        if 'token' not in body:
            self._cache.forget(key)
            return None
        return access.AccessInfoV3(auth_token=token, body=body)
