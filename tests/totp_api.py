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

"""Calls of the OS-TOTP API for the tests (tests/functional/)."""

import requests

from tests import cloud as c


def token_of(cloud, user, field=None, url=None, project=True):
    """A token of ``user`` from a login with ``field`` (password[+code])."""
    field = user.password if field is None else field
    scope = {'project': {'id': user.project_id}} if project else None
    r = cloud.login_as(user, field, url=url, scope=scope)
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def call(token, method, url, body=None, **kwargs):
    headers = {'X-Auth-Token': token} if token else {}
    if body is not None:
        kwargs['json'] = body
    return requests.request(method, url, headers=headers, timeout=30,
                            **kwargs)


def assert_type_change_refused(r):
    """A token's PATCH of a credential's ``type``: who refuses it, and how.

    The request guard validates a credential PATCH with Keystone's own
    schema before any other hook. Keystone 30's takes only ``blob``, so the
    change is Keystone's 400; on releases whose schema lets ``type``
    through, the credential guard refuses a totp look-alike with its 403.
    """
    from keystone.credential import schema
    update = getattr(schema, 'update_request_body', None)
    allowed = update is None or 'type' in (
        update['properties']['credential']['properties'])
    if allowed:
        assert r.status_code == 403, r.text
        assert 'OS-TOTP' in r.json()['error']['message']
    else:
        assert r.status_code == 400, r.text
        assert "'additionalProperties'" in r.json()['error']['message']


def base(cloud, user, url=None):
    return '%s/users/%s/OS-TOTP' % (url or cloud.url, user.id)


def begin(cloud, token, user, url=None, **member):
    r = call(token, 'POST', base(cloud, user, url) + '/enrolment',
             {'enrolment': member} if member else None)
    assert r.status_code == 201, r.text
    return r.json()['enrolment']


def confirm(cloud, token, user, code, url=None, **member):
    return call(token, 'POST', base(cloud, user, url) + '/devices',
                {'device': dict(member, passcode=code)})


def enable(cloud, user, label=None):
    """Turn 2FA on through the API with a bare-password token.

    Returns the secret and the device.
    """
    token = token_of(cloud, user)
    enrolment = begin(cloud, token, user,
                      **({'label': label} if label else {}))
    secret = enrolment['secret']
    r = confirm(cloud, token, user, c.code_for(secret))
    assert r.status_code == 201, r.text
    user.secrets.append(secret)
    user.credential_ids.append(r.json()['device']['id'])
    return secret, r.json()['device']


def status(cloud, user, token=None):
    token = token or cloud.admin.get_token()
    r = call(token, 'GET', base(cloud, user))
    assert r.status_code == 200, r.text
    return r.json()['totp']


def stored(cloud, user):
    creds = cloud.api('GET', '/credentials?user_id=%s&type=totp' % user.id)
    return {cr['id']: cr['blob'] for cr in creds.json()['credentials']}


def refused_login(r):
    return r.status_code == 401 and r.json() == c.ADDITIONAL_STEPS_BODY


def next_code(secret):
    """A code of a later step than any the API or a login used so far."""
    return c.code_for(secret, 1)
