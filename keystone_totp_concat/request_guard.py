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

"""Hostile request bodies refused before Keystone reads them.

On the routes this package serves or fronts, a body that would crash
Keystone (a lone surrogate or a NUL in a string, nesting thousands deep, a
number no column holds) or make it echo a secret (Keystone's schema errors
quote the offending value, and it logs them) gets a 400 in Keystone's error
shape from here instead, naming the field but never its value.
"""

import json
import math
import re

import flask
import jsonschema
from keystone.auth import schema as auth_schema
from keystone import exception
from keystone.identity import schema as identity_schema
from keystone.server.flask import common as ks_flask

# Keystone's own bodies are a few levels deep; this leaves room for any.
MAX_DEPTH = 32
MAX_INTEGER = 2 ** 63 - 1
NOT_TEXT = re.compile('[\x00\ud800-\udfff]')


class Route:
    """A guarded route: path, validated part, schema, secret fields.

    ``key`` is the part of the body Keystone validates with ``schema``;
    ``check`` does what a schema cannot say.
    """

    def __init__(self, path, key, schema, secrets, check=None):
        self.path = re.compile(path)
        self.key = key
        self.schema = jsonschema.Draft4Validator(schema) if schema else None
        self.secrets = secrets
        self.check = check


# Inside the methods' objects these keys hold a string or an object wherever
# they appear; the methods' payloads beyond the password one have no schema
# in Keystone, which crashes on an id that is an object.
STRING_KEYS = frozenset(['id', 'name', 'password', 'passcode', 'secret'])
OBJECT_KEYS = frozenset(['user', 'domain', 'project'])


def _check_identity(auth):
    """Check the shape of the methods' objects before Keystone does.

    Keystone names a method without its object in its error message,
    which would echo whatever a client put in the list by mistake.
    """
    identity = auth.get('identity')
    if not isinstance(identity, dict):
        return
    pending = []
    for name in identity.get('methods', []):
        if not isinstance(identity.get(name), dict):
            _refuse("Invalid input for field 'auth/identity/methods': each "
                    "method needs an object of the same name in identity.")
        pending.append((('auth', 'identity', name), identity[name]))
    while pending:
        path, node = pending.pop()
        for key, value in node.items():
            where = path + (key,)
            if key in STRING_KEYS and not isinstance(value, str):
                _refuse("Invalid input for field '%s': expected a string."
                        % '/'.join(where))
            if key in OBJECT_KEYS and not isinstance(value, dict):
                _refuse("Invalid input for field '%s': expected an object."
                        % '/'.join(where))
            if isinstance(value, dict):
                pending.append((where, value))


ROUTES = [
    Route(r'^/v3/auth/tokens/?$', 'auth', auth_schema.token_issue, [
        ('identity', 'password', 'user', 'password'),
        ('identity', 'password', 'user', 'passcode'),
        ('identity', 'totp', 'user', 'passcode'),
        ('identity', 'application_credential', 'secret'),
        ('identity', 'token', 'id'),
    ], check=_check_identity),
    Route(r'^/v3/users/[^/]+/password/?$', 'user',
          identity_schema.password_change, [
              ('password',), ('original_password',),
          ]),
]


def install(app):
    """Run the check before every other hook of Keystone's application."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_body)


def add_route(path, key=None, schema=None, secrets=()):
    """Guard another route of this package (``key``: its body's top key)."""
    ROUTES.append(Route(path, key, schema, list(secrets)))


def check_body():
    request = flask.request
    if request.method not in ('POST', 'PUT', 'PATCH'):
        return
    route = next((r for r in ROUTES if r.path.match(request.path)), None)
    if route is None:
        return
    # Keystone parses only these; it refuses any other content type itself.
    if not (request.is_json or not request.headers.get('Content-Type')):
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    body = _parse(raw)
    _check_values(body)
    if route.key is None:
        return
    if not isinstance(body, dict):
        _refuse('The request body must be a JSON object.')
    part = body.get(route.key)
    if part is None:
        return
    if not isinstance(part, dict):
        _refuse("Invalid input for field '%s': expected an object."
                % route.key)
    for path in route.secrets:
        _check_secret(part, path, route.key)
    if route.schema is not None:
        errors = route.schema.iter_errors(part)
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            _refuse("Invalid input for field '%s': %s"
                    % ('/'.join([route.key] + [str(p) for p in error.path]),
                       _describe(error)))
    if route.check is not None:
        route.check(part)


def _parse(raw):
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        _refuse('The request body is not valid JSON.')


def _no_constant(name):
    raise ValueError('%s is not JSON' % name)


def _check_values(body):
    """Walk the body without recursion: depth, strings, numbers."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            _refuse('The request body is nested too deeply.')
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                _refuse('The request body holds a number out of range.')
        elif not math.isfinite(value):
            _refuse('The request body holds a number out of range.')


def _check_text(text):
    if NOT_TEXT.search(text):
        _refuse('The request body holds a string that is not valid text '
                '(a NUL character or an unpaired surrogate).')


def _check_secret(part, path, key):
    """Refuse a secret that is not a string, or not inside objects.

    Every object on the way to a secret is an object, the secret a
    string: Keystone would quote the value in its error otherwise.
    """
    value = part
    for depth, name in enumerate(path):
        if not isinstance(value, dict):
            _refuse("Invalid input for field '%s': expected an object."
                    % '/'.join((key,) + path[:depth]))
        if name not in value:
            return
        value = value[name]
    if not isinstance(value, str):
        _refuse("Invalid input for field '%s': expected a string."
                % '/'.join((key,) + path))


def _describe(error):
    """What a schema error says, without the value that failed it."""
    if error.validator == 'type':
        expected = error.validator_value
        if isinstance(expected, list):
            expected = ' or '.join(expected)
        return 'expected %s.' % expected
    return "failed the '%s' check of the schema." % error.validator


def _refuse(message):
    # The request ends here, before any resource could enforce a policy.
    ks_flask.set_unenforced_ok()
    raise exception.SchemaValidationError(detail=message)
