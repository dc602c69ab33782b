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

"""A bounded, seeded fuzz run over the routes this package fronts.

Thousands of bodies made by mutating well-formed requests of an enrolled and
a non-enrolled user (values swapped for other types, lone surrogates, NULs,
huge numbers, deep nesting, keys dropped, the JSON text itself cut or
garbled) go to the suite's real Keystone. Whatever comes in: never a 5xx or
a dropped connection, never a token without the user's password and an
unused code, never a password change, never a planted secret in an answer
or in the logs. The seed is fixed (KTC_FUZZ_SEED picks another).
"""

import json
import os
import random
import time

import requests

from keystone_totp_concat.core import totp
from tests import cloud as c

SEED = int(os.environ.get('KTC_FUZZ_SEED', '20261130'))
BODIES = int(os.environ.get('KTC_FUZZ_BODIES', '3000'))
PLANTED_PASSCODE = 'pc-planted-4c1f'
PLANTED_SECRET = 'ac-planted-9e2d'
SECRET_KEYS = ('password', 'passcode', 'original_password', 'secret')


class Fuzzer:
    def __init__(self, rng, enrolled, plain):
        self.rng = rng
        self.enrolled = enrolled
        self.plain = plain

    def code(self):
        return c.code_for(self.enrolled.secrets[0], self.rng.choice((-1, 0)))

    def password_value(self):
        u, rng = self.enrolled, self.rng
        return rng.choice([
            u.password + self.code(),
            u.password + c.wrong_code(*u.secrets),
            'wrong' + self.code(),
            u.password,
            self.plain.password,
            self.plain.password + self.code(),
            PLANTED_PASSCODE,
        ])

    def token_body(self):
        rng = self.rng
        user = rng.choice([self.enrolled, self.plain])
        ref = rng.choice([{'id': user.id},
                          {'name': user.name, 'domain': {'id': 'default'}}])
        identity = {'methods': ['password'],
                    'password': {'user': dict(ref,
                                              password=self.password_value())}}
        form = rng.randrange(4)
        if form == 1:
            identity['password']['user']['passcode'] = rng.choice(
                [self.code(), PLANTED_PASSCODE])
        elif form == 2:
            identity['methods'] = ['password', 'totp']
            identity['totp'] = {'user': dict(ref, passcode=rng.choice(
                [self.code(), PLANTED_PASSCODE]))}
        elif form == 3:
            identity['methods'] = ['application_credential']
            identity['application_credential'] = {'id': 'x' * 32,
                                                  'secret': PLANTED_SECRET}
        auth = {'identity': identity}
        if rng.random() < 0.3:
            auth['scope'] = {'project': {'id': user.project_id}}
        return '/auth/tokens', {'auth': auth}

    def password_change_body(self):
        u = self.enrolled
        original = self.rng.choice([
            u.password + c.wrong_code(*u.secrets), 'wrong' + self.code(),
            u.password, PLANTED_PASSCODE])
        return ('/users/%s/password' % u.id,
                {'user': {'original_password': original,
                          'password': self.rng.choice(['new-' + u.password,
                                                       PLANTED_PASSCODE])}})

    def value(self, depth=0):
        rng = self.rng
        kind = rng.randrange(14)
        if kind == 0:
            return rng.choice(['\ud800', '\udfff', 'a\ud83d', '\x00',
                               'x\x00y'])
        if kind == 1:
            return rng.choice([2 ** 64, -2 ** 63 - 1, 10 ** 30, 1e308 * 10,
                               float('nan'), 0.5, -1, 0])
        if kind == 2:
            return rng.choice([None, True, False, '', ' ', '\n'])
        if kind == 3:
            return 'A' * rng.choice([1, 255, 4097, 70000])
        if kind == 4 and depth < 3:
            return [self.value(depth + 1) for _ in range(rng.randrange(3))]
        if kind == 5 and depth < 3:
            return {'k%d' % i: self.value(depth + 1)
                    for i in range(rng.randrange(3))}
        if kind == 6:
            nest = rng.choice([40, 400, 5000])
            return json.loads('[' * nest + ']' * nest) if nest < 900 else (
                _Raw('[' * nest + ']' * nest))
        if kind == 8:
            return ''.join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(8))
        return rng.choice(['password', 'totp', 'token', 'default',
                           self.code(), self.enrolled.id])

    def mutate(self, node, depth=0):
        rng = self.rng
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            action = rng.randrange(5)
            if action == 0:
                del node[key]
            elif action == 1:
                node[key] = self.value()
            elif action == 2:
                extra = rng.choice(['extra', 'passcode', 'password',
                                    key + '2'])
                node[extra] = self.value()
            else:
                self.mutate(node[key], depth + 1)
        elif isinstance(node, list) and node:
            i = rng.randrange(len(node))
            if rng.random() < 0.5:
                node[i] = self.value()
            else:
                self.mutate(node[i], depth + 1)

    def retype_secret(self, node):
        """Give one secret field another JSON type, the secret inside."""
        fields = []
        pending = [node]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                fields.extend((item, k) for k, v in item.items()
                              if k in SECRET_KEYS and isinstance(v, str))
                pending.extend(item.values())
        if fields:
            parent, key = self.rng.choice(fields)
            secret = parent[key]
            parent[key] = self.rng.choice([
                [secret], {'value': secret}, [[secret]], [secret, 1],
                {secret: secret}])

    def request(self):
        rng = self.rng
        path, body = (self.token_body() if rng.random() < 0.8
                      else self.password_change_body())
        if rng.random() < 0.2:
            self.retype_secret(body)
        for _ in range(rng.randrange(1, 4)):
            if rng.random() < 0.1:
                body = self.value()
                break
            self.mutate(body)
        text = _dumps(body)
        cut = rng.random()
        if cut < 0.05:
            text = text[:rng.randrange(len(text) + 1)]
        elif cut < 0.08:
            at = rng.randrange(len(text) + 1)
            garble = rng.choice(['"', '\\', '}', '\\u', ','])
            text = text[:at] + garble + text[at:]
        data = text.encode('utf-8', 'surrogatepass')
        if rng.random() < 0.03:
            data = data.replace(b'a', b'\xff', 1)
        return path, data


class _Raw(str):
    """JSON text inserted as is (nesting json.dumps would refuse)."""


def _dumps(value):
    raws = []

    def default(obj):
        raise TypeError

    def swap(node):
        if isinstance(node, _Raw):
            raws.append(str(node))
            return '@@RAW%d@@' % (len(raws) - 1)
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(value), default=default)
    for i, raw in enumerate(raws):
        text = text.replace('"@@RAW%d@@"' % i, raw)
    return text


def _named_in(text, secrets):
    """Names (never values) of the secrets that ``text`` contains."""
    return sorted(name for name, value in secrets.items() if value in text)


def unused_code_with_password(text, user, used):
    """The step of an unused code the body carries with the password.

    The step of a current, unused code of ``user`` that the body carries
    together with the user's password, or None.
    """
    if user.password not in text:
        return None
    now = time.time()
    for step, code in totp.window_codes(user.secrets[0], now, 1, 1).items():
        if code in text and step not in used:
            return step
    return None


def test_fuzzed_bodies_never_crash_leak_or_log_in_wrongly(cloud, keystone):
    enrolled = cloud.create_user(devices=1,
                                 password='pw-fz-' + os.urandom(6).hex())
    plain = cloud.create_user(password='pw-fp-' + os.urandom(6).hex())
    fuzzer = Fuzzer(random.Random(SEED), enrolled, plain)
    http = requests.Session()
    used, statuses = set(), {}
    secrets = {'password': enrolled.password,
               'non-enrolled password': plain.password,
               'planted passcode': PLANTED_PASSCODE,
               'planted secret': PLANTED_SECRET}
    for n in range(BODIES):
        path, data = fuzzer.request()
        try:
            r = http.post(cloud.url + path, data=data, timeout=30,
                          headers={'Content-Type': 'application/json'})
        except requests.ConnectionError as e:
            raise AssertionError('body %d: connection dropped (%s) %s'
                                 % (n, type(e).__name__, data[:300]
                                    if os.environ.get('KTC_FUZZ_DEBUG')
                                    else ''))
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (n, r.status_code, r.text[:200])
        leaked = _named_in(r.text, secrets)
        assert not leaked, (n, r.status_code, leaked, r.text[:300]
                            if os.environ.get('KTC_FUZZ_DEBUG') else '')
        text = data.decode('utf-8', 'replace')
        if path.endswith('/password'):
            assert r.status_code != 204, n
        elif r.status_code == 201 and enrolled.id in r.text:
            step = unused_code_with_password(text, enrolled, used)
            assert step is not None, (n, 'token without password and code')
            used.add(step)
    assert statuses.get(400, 0) > BODIES // 10, statuses
    logs = keystone.log_file.read_text() + (
        keystone.workdir / 'uwsgi.log').read_text(errors='replace')
    leaked = _named_in(logs, secrets)
    assert not leaked, [line for line in logs.splitlines() if any(
        v in line for v in secrets.values())][:3] if os.environ.get(
            'KTC_FUZZ_DEBUG') else leaked
