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

"""Hostile requests refused before Keystone reads them.

On the routes this package serves or fronts, a body that would crash
Keystone (a lone surrogate or a NUL in a string, nesting thousands deep, a
number no column holds) or make it echo a secret (Keystone's schema errors
quote the offending value, and it logs them) gets a 400 in Keystone's error
shape from here instead, naming the field but never its value.

That holds for a body on every method, GET, HEAD and DELETE included:
Keystone's own before-request hook parses any body of any method, and a
body nested too deep for Python's parser raises an error Flask does not
turn into a 400, so Keystone dropped the connection. A body where a route
reads none is checked the same way (not refused for being there): clients
that send ``{}`` with a DELETE keep working, and hostile ones get the same
400 as on a POST. The route's schema applies to the methods that read it.

Ids in those paths that no user, device or credential can have get a 404
here: the errors they raised (MariaDB's "Illegal mix of collations" for a
character beyond the Basic Multilingual Plane, which its utf8 id columns
cannot hold; Keystone's ValueError for an id over 64 characters) escaped
Keystone's error handling and dropped the connection. Device and
credential ids are Keystone's hexadecimal ones: anything but printable
ASCII is impossible. A user id may be a default-domain LDAP user's
attribute, so only control characters, unpaired surrogates, the
replacement character invalid UTF-8 decodes to and characters beyond the
Basic Multilingual Plane are; other non-ASCII user ids are looked up (and
not found) as usual.

Last, any error answer on these routes counts as enforced: Keystone's
after-request check (an assertion that the policy was enforced, skipped
only for 400) otherwise turns a 401 or 404 raised by a hook before the
policy check into a dropped connection. An error answer holds no data.
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


# The methods whose bodies Keystone and this package read as input.
WRITES = frozenset(['POST', 'PUT', 'PATCH'])
# Every route this package serves or fronts: bodies of any method there get
# the checks of any body (JSON, depth, text, numbers); those of ROUTES get
# their route's checks too.
FRONTED = re.compile(r'^/v3/(auth/tokens|users/[^/]+/(password|OS-TOTP)'
                     r'|credentials|OS-TOTP)(/|$)')
# The ids in those paths, and a character none of that kind holds. Keystone
# makes credential (so device) ids of hexadecimal digits; a user's may be
# an LDAP attribute, any text MariaDB's utf8 columns hold.
ID_MAX = 64
NOT_IN_USER_ID = re.compile(
    '[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffd\U00010000-\U0010ffff]')
NOT_IN_CREDENTIAL_ID = re.compile('[^\x21-\x7e]')
PATH_IDS = [
    ('user', re.compile(r'^/v3/users/([^/]+)/(password|OS-TOTP)(/|$)'),
     NOT_IN_USER_ID),
    ('device', re.compile(r'^/v3/users/[^/]+/OS-TOTP/devices/([^/]+)/?$'),
     NOT_IN_CREDENTIAL_ID),
    ('credential', re.compile(r'^/v3/credentials/([^/]+)/?$'),
     NOT_IN_CREDENTIAL_ID),
    # A domain's, role's or user's id: any of them may be a user's form.
    ('requirement target',
     re.compile(r'^/v3/OS-TOTP/requirements/[^/]+/([^/]+)/?$'),
     NOT_IN_USER_ID),
]


class ImpossibleId(exception.NotFound):
    message_format = ('Could not find %(kind)s: no %(kind)s has an id of '
                      'this form.')


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
    _check_shapes(pending)


def check_user_object(part, key):
    """The ``user`` object of ``part`` (a body's ``key``), as at a login."""
    if 'user' in part:
        _check_shapes([((key,), {'user': part['user']})])


def _check_shapes(pending):
    """Ids, names and secrets are strings; users and domains objects."""
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
    """Run the checks before every other hook of Keystone's application."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[0:0] = [answer_errors, check_body, check_ids]


def _guarded(path):
    return bool(FRONTED.match(path)
                or any(r.path.match(path) for r in ROUTES))


def answer_errors():
    """Let an error answer on these routes through Keystone's check."""
    if _guarded(flask.request.path):
        flask.after_this_request(_error_is_enforced)


def _error_is_enforced(response):
    # Runs before Keystone's after-request hooks, for every answer.
    if response.status_code >= 400:
        ks_flask.set_unenforced_ok()
    return response


def check_ids():
    path = flask.request.path
    for kind, pattern, impossible in PATH_IDS:
        match = pattern.match(path)
        if match and (len(match.group(1)) > ID_MAX
                      or impossible.search(match.group(1))):
            ks_flask.set_unenforced_ok()
            raise ImpossibleId(kind=kind)


def add_route(path, key=None, schema=None, secrets=(), check=None):
    """Guard another route of this package (``key``: its body's top key)."""
    ROUTES.append(Route(path, key, schema, list(secrets), check))


def check_body():
    request = flask.request
    if not _guarded(request.path):
        return
    route = next((r for r in ROUTES if r.path.match(request.path)), None)
    # Keystone parses only these; it refuses any other content type itself.
    if not (request.is_json or not request.headers.get('Content-Type')):
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    body = _parse(raw)
    _check_values(body)
    if request.method not in WRITES or route is None or route.key is None:
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
