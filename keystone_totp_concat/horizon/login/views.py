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

"""The login view, leading to the set-up page when 2FA must be set up.

openstack_auth's login view stays as it is (regions, WebSSO, expired
passwords, redirects); this one only catches the login form's
:class:`~keystone_totp_concat.horizon.login.errors.SetUpAtLogin` around it,
as openstack_auth catches an expired password around Django's LoginView,
and answers with the set-up page rather than a redirect: the pending
secret is shown once and no session holds it for a second request.
"""

from django import shortcuts
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST
from openstack_auth import views as auth_views

from keystone_totp_concat.horizon.login import errors
from keystone_totp_concat.horizon.login import set_up


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login(request):
    try:
        return auth_views.login(request)
    except errors.SetUpAtLogin as pending:
        return set_up.page(request, pending.state)


@sensitive_variables()
@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_POST
def set_up_view(request):
    """The set-up form's POST: the device stored, or the page again."""
    state = set_up.unsign(request.POST.get(set_up.STATE_FIELD))
    if state is None:
        response = shortcuts.redirect('login')
        auth_views.set_logout_reason(response, _(
            'The set-up page expired: log in again.'))
        return response
    form = set_up.SetUpForm(request.POST,
                            digits=set_up.enrolment_mod.digits(state))
    answer = form.is_valid() and form.set_up(state)
    if not answer:
        return set_up.page(request, state, form)
    return set_up.done(request, answer, state)
