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

"""TokenCache on its own: file mode, contents, expiry and distrust of files
anyone else could read or write."""

import datetime
import json
import logging
import os
import stat

from keystone_totp_concat.client import token_cache

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def in_future(**delta):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        **delta)


def test_round_trip_in_a_private_new_file(tmp_path):
    path = tmp_path / 'new-dir' / 'tokens.json'
    cache = token_cache.TokenCache(str(path))
    cache.put('k', 'tok-1', in_future(hours=1))
    assert cache.get('k') == 'tok-1'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert set(json.loads(path.read_text())['tokens']['k']) == {
        'token', 'expires_at'}


def test_missing_file_is_empty(tmp_path):
    assert token_cache.TokenCache(str(tmp_path / 'none')).get('k') is None


def test_expiring_token_is_not_served(tmp_path):
    cache = token_cache.TokenCache(str(tmp_path / 'tokens.json'))
    cache.put('k', 'tok', NOW + datetime.timedelta(seconds=119))
    assert cache.get('k', now=NOW) is None
    cache.put('k', 'tok', NOW + datetime.timedelta(seconds=300))
    assert cache.get('k', now=NOW) == 'tok'


def test_expired_entries_are_pruned_on_write(tmp_path):
    path = tmp_path / 'tokens.json'
    cache = token_cache.TokenCache(str(path))
    cache.put('old', 'tok-old', in_future(seconds=-1))
    cache.put('new', 'tok-new', in_future(hours=1))
    assert set(json.loads(path.read_text())['tokens']) == {'new'}


def test_forget(tmp_path):
    cache = token_cache.TokenCache(str(tmp_path / 'tokens.json'))
    cache.put('a', 'tok-a', in_future(hours=1))
    cache.put('b', 'tok-b', in_future(hours=1))
    cache.forget('a')
    assert cache.get('a') is None
    assert cache.get('b') == 'tok-b'


def test_file_others_can_read_is_ignored(tmp_path, caplog):
    path = tmp_path / 'tokens.json'
    cache = token_cache.TokenCache(str(path))
    cache.put('k', 'tok', in_future(hours=1))
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        assert cache.get('k') is None
    assert 'mode 0600' in caplog.text


def test_symlink_is_not_followed(tmp_path, caplog):
    real = tmp_path / 'real.json'
    token_cache.TokenCache(str(real)).put('k', 'tok', in_future(hours=1))
    link = tmp_path / 'link.json'
    link.symlink_to(real)
    with caplog.at_level(logging.WARNING):
        assert token_cache.TokenCache(str(link)).get('k') is None
    assert 'Not using token cache' in caplog.text


def test_corrupt_or_foreign_files_are_empty(tmp_path):
    path = tmp_path / 'tokens.json'
    for content in ('not json', '[]', '{"version": 99, "tokens": {}}',
                    '{"version": 1, "tokens": {"k": {"token": "t"}}}',
                    '{"version": 1, "tokens": {"k": {"token": "t", '
                    '"expires_at": "2999-01-01T00:00:00"}}}'):
        path.write_text(content)
        os.chmod(path, 0o600)
        assert token_cache.TokenCache(str(path)).get('k') is None, content


def test_unwritable_location_only_warns(tmp_path, caplog):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    cache = token_cache.TokenCache(str(blocker / 'tokens.json'))
    with caplog.at_level(logging.WARNING):
        cache.put('k', 'tok', in_future(hours=1))
    assert 'Could not write token cache' in caplog.text


def test_key_is_opaque_and_depends_on_every_element():
    base = dict(auth_url='http://ks/v3', username='alice',
                user_domain_id='default', project_name='p')
    key = token_cache.cache_key(**base)
    assert 'alice' not in key
    assert key == token_cache.cache_key(**dict(reversed(base.items())))
    for name, value in (('auth_url', 'http://other/v3'), ('username', 'bob'),
                        ('project_name', 'q'), ('user_domain_id', 'd2')):
        assert token_cache.cache_key(**dict(base, **{name: value})) != key
