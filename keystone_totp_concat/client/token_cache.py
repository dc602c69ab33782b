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

"""Opt-in file cache of tokens, so that one TOTP code lasts a token lifetime.

A code works only once, so without a cache every ``openstack`` command would
need a fresh code. With ``--os-token-cache PATH`` the first command stores the
token it got and later commands reuse it until it is about to expire.

The file holds, per entry, only an opaque key (a hash of auth URL, user and
scope), the token id and its expiry: never a password, code or secret. It is
created with mode 0600 and ignored (with a warning) when anyone else could
read or write it. Writes replace the file atomically; two commands writing at
once may lose one entry, which only costs a new login.
"""

import datetime
import hashlib
import json
import logging
import os
import stat
import tempfile

LOG = logging.getLogger(__name__)

FORMAT_VERSION = 1
# keystoneauth1 refreshes a token with less than this left
# (identity.base.BaseIdentityPlugin.MIN_TOKEN_LIFE_SECONDS); so does the cache.
MIN_TOKEN_LIFE = datetime.timedelta(seconds=120)


def cache_key(**elements):
    """An opaque key for a token.

    A hash of what identifies who asked for it and with which scope, so the
    file does not list user or project names.
    """
    blob = json.dumps(elements, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(blob.encode('utf-8')).hexdigest()


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class TokenCache:
    """Tokens by key in one JSON file private to the user."""

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))

    def get(self, key, now=None):
        """The cached token id for ``key``, or None when absent or expiring."""
        entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            expires = datetime.datetime.fromisoformat(entry['expires_at'])
            token = entry['token']
        except (KeyError, TypeError, ValueError):
            return None
        if expires.tzinfo is None or not isinstance(token, str):
            return None
        if expires - (now or _utcnow()) < MIN_TOKEN_LIFE:
            return None
        return token

    def put(self, key, token, expires_at):
        """Store a token; expired entries are dropped on the way."""
        entries = self._live(self._read())
        entries[key] = {'token': token, 'expires_at': expires_at.isoformat()}
        self._write(entries)

    def forget(self, key):
        """Drop a token Keystone no longer accepts."""
        entries = self._read()
        if entries.pop(key, None) is not None:
            self._write(self._live(entries))

    @staticmethod
    def _live(entries):
        now = _utcnow()
        live = {}
        for key, entry in entries.items():
            try:
                expires = datetime.datetime.fromisoformat(entry['expires_at'])
                if expires > now:
                    live[key] = entry
            except (KeyError, TypeError, ValueError):
                continue
        return live

    def _read(self):
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return {}
        except OSError as e:
            LOG.warning('Not using token cache %s: %s', self.path, e.strerror)
            return {}
        with os.fdopen(fd, encoding='utf-8') as f:
            info = os.fstat(f.fileno())
            if (not stat.S_ISREG(info.st_mode)
                    or info.st_uid != os.geteuid()
                    or info.st_mode & 0o077):
                LOG.warning('Not using token cache %s: it must be a regular '
                            'file owned by you with mode 0600', self.path)
                return {}
            try:
                data = json.load(f)
            except ValueError:
                LOG.warning('Ignoring unreadable token cache %s', self.path)
                return {}
        if (not isinstance(data, dict)
                or data.get('version') != FORMAT_VERSION
                or not isinstance(data.get('tokens'), dict)):
            return {}
        return data['tokens']

    def _write(self, entries):
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            # mkstemp creates the file with mode 0600.
            fd, tmp = tempfile.mkstemp(dir=directory, prefix='.token-cache-')
            try:
                with os.fdopen(fd, 'w', encoding='utf-8') as f:
                    json.dump({'version': FORMAT_VERSION, 'tokens': entries},
                              f)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as e:
            LOG.warning('Could not write token cache %s: %s', self.path,
                        e.strerror)
