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


"""Pages of the panel: status, enable/add device, remove, off, recovery
codes, and the admin's reset of another user."""

from django import http
from django import shortcuts
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views import generic
from horizon import exceptions
from horizon import messages
from horizon import tables as horizon_tables
from horizon.utils import filters as horizon_filters
import segno

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon.panel import api
from keystone_totp_concat.horizon.panel import forms
from keystone_totp_concat.horizon.panel import tables

INDEX = 'horizon:settings:two_factor:index'
USERS_INDEX = 'horizon:identity:users:index'


def _index_url():
    return reverse(INDEX)


def grouped(secret, size=4):
    """The key in groups of four, for typing it by hand."""
    return ' '.join(secret[i:i + size] for i in range(0, len(secret), size))


def qr_svg(uri):
    """The QR code of ``uri`` as inline SVG, drawn on the server."""
    return segno.make(uri, micro=False).svg_inline(
        scale=5, border=4, dark='#000', light='#fff',
        title=str(_('QR code for your authenticator app')),
        svgclass='ktc-qr', lineclass=None)


def proof_message():
    return _('Type a current code of one of your devices: Keystone asks '
             'for one unless you logged in with your password and code a '
             'few minutes ago.')


def refused_message():
    return _('The code was not accepted: it is wrong or already used, or '
             'too many wrong codes were tried recently. Wait for the next '
             'code and try again.')


class _Device:
    """One device of the status, as the table wants it."""

    def __init__(self, ref):
        self.id = ref['id']
        self.label = ref.get('label')
        self.created_at = ref.get('created_at')
        self.last_used_at = ref.get('last_used_at')


def _no_store(response):
    """Pages with a secret or recovery codes: kept by no cache."""
    response['Cache-Control'] = 'no-store'
    response['Pragma'] = 'no-cache'
    return response


def _recovery(status):
    """``recovery_codes`` of the status, when Keystone has them."""
    value = status.get('recovery_codes')
    return value if isinstance(value, dict) else None


class IndexView(horizon_tables.DataTableView):
    """Status: on or off, the devices, recovery codes left, the warning."""

    table_class = tables.DevicesTable
    template_name = 'settings/two_factor/index.html'
    page_title = _('Two Factor Authentication')

    def get_data(self):
        self.status = None
        try:
            self.status = api.Client(self.request).status()
        except os_totp.APIError as exc:
            messages.error(self.request, _(
                'Unable to read the Two Factor Authentication status: '
                '%s') % exc.message)
            return []
        self.table.status = self.status
        return [_Device(ref) for ref in self.status.get('devices', [])]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.status or {}
        context['status'] = status
        context['recovery'] = _recovery(status)
        context['device_count'] = len(status.get('devices', []))
        context['code_length'] = api.code_length()
        return context


class _FormPage(generic.View):
    """A form shown as a page in Horizon's modal-form look.

    Plain pages, not Horizon's AJAX modals, because the secret must not be
    shown twice and the success pages show recovery codes once.
    """

    template_name = 'settings/two_factor/form.html'
    page_title = ''
    submit_label = ''
    submit_class = 'btn-primary'
    form_id = 'ktc_two_factor_form'
    description = ''

    def context(self, form, **extra):
        context = {
            'form': form, 'page_title': self.page_title,
            'submit_label': self.submit_label,
            'submit_class': self.submit_class,
            'submit_url': self.request.path, 'form_id': self.form_id,
            'modal_id': self.form_id + '_modal',
            'cancel_url': self.cancel_url(), 'cancel_label': _('Cancel'),
            'description': self.description,
        }
        context.update(extra)
        return context

    def cancel_url(self):
        return _index_url()

    def render(self, form, template=None, **extra):
        return shortcuts.render(self.request, template or self.template_name,
                                self.context(form, **extra))


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD, 'enrolment'),
                  name='dispatch')
class EnableView(_FormPage):
    """"Enable Two Factor Authentication", and "Add another device".

    A visit begins an enrolment on Keystone (a new secret, pending); the
    page shows it as a QR code and as the key, with the code field. The
    secret travels with the form, signed, so a wrong code shows the same
    secret again: Keystone keeps it pending until a code of it is typed.
    """

    form_id = 'ktc_enable_form'

    def titles(self, adding):
        if adding:
            return (_('Add another device'), _('Add device'))
        return (_('Enable Two Factor Authentication'),
                _('Validate and set the OTP secret'))

    def get(self, request):
        client = api.Client(request)
        try:
            adding = client.status()['enabled']
            enrolment = client.begin()
        except os_totp.ProofRequired:
            return self.proof_page(ActionFormFactory.proof())
        except os_totp.APIError as exc:
            messages.error(request, _('Unable to begin the enrolment: %s')
                           % exc.message)
            return shortcuts.redirect(_index_url())
        return self.confirm_page(
            forms.ConfirmForm(
                initial={'enrolment': forms.sign_enrolment(
                    request.user.id, enrolment)},
                digits=enrolment.get('digits')),
            enrolment, adding)

    def post(self, request):
        if request.POST.get('stage') == 'proof':
            return self.post_proof(request)
        return self.post_confirm(request)

    def post_proof(self, request):
        form = ActionFormFactory.proof(request.POST)
        if not form.is_valid():
            return self.proof_page(form)
        client = api.Client(request)
        try:
            enrolment = client.begin(passcode=form.code)
        except os_totp.CodeNotAccepted:
            form.add_error(None, refused_message())
            return self.proof_page(form)
        except os_totp.APIError as exc:
            form.add_error(None, exc.message)
            return self.proof_page(form)
        return self.confirm_page(
            forms.ConfirmForm(
                initial={'enrolment': forms.sign_enrolment(
                    request.user.id, enrolment)},
                digits=enrolment.get('digits')),
            enrolment, True)

    def post_confirm(self, request):
        enrolment = forms.unsign_enrolment(
            request.user.id, request.POST.get('enrolment'))
        if enrolment is None:
            messages.error(request, _('This enrolment is not valid any more: '
                                      'begin again.'))
            return shortcuts.redirect(_index_url())
        adding = request.POST.get('adding') == '1'
        form = forms.ConfirmForm(request.POST,
                                 digits=enrolment.get('digits'))
        if not form.is_valid():
            return self.confirm_page(form, enrolment, adding)
        client = api.Client(request)
        try:
            answer = client.confirm(
                form.cleaned_data[forms.CODE_FIELD],
                label=form.cleaned_data.get('label') or None)
        except os_totp.CodeNotAccepted:
            form.add_error(None, _(
                'The code was not accepted, so nothing was stored: the '
                'secret is still the same and Two Factor Authentication '
                'did not change. Check that the app has this account and '
                'that the clock of the device is right, wait for the next '
                'code and type it.'))
            return self.confirm_page(form, enrolment, adding)
        except (os_totp.NotFound, os_totp.ProofRequired):
            messages.error(request, _(
                'This enrolment expired or was replaced (it waits 10 '
                'minutes by default): nothing was stored. Begin again and '
                'scan the new QR code.'))
            return shortcuts.redirect(_index_url())
        except os_totp.APIError as exc:
            form.add_error(None, exc.message)
            return self.confirm_page(form, enrolment, adding)
        device = answer.get('device') or {}
        codes = answer.get('recovery_codes')
        return _no_store(shortcuts.render(
            request, 'settings/two_factor/enabled.html', {
                'page_title': _('Two Factor Authentication is on'),
                'adding': adding, 'device': device,
                'recovery_codes': codes if isinstance(codes, list) else None,
                'code_length': enrolment.get('digits') or api.code_length(),
                'index_url': _index_url(),
            }))

    def proof_page(self, form):
        title = self.titles(True)[0]
        return self.render(
            form, 'settings/two_factor/form.html', page_title=title,
            submit_label=_('Continue'), stage='proof',
            form_id='ktc_proof_form', modal_id='ktc_proof_form_modal',
            description=_('Your account already has Two Factor '
                          'Authentication. To add another device, type a '
                          'current code of one of your devices (not needed '
                          'for a few minutes after a login with your '
                          'password and code).'))

    def confirm_page(self, form, enrolment, adding):
        title, submit = self.titles(adding)
        return _no_store(self.render(
            form, 'settings/two_factor/enable.html', page_title=title,
            submit_label=submit, stage='confirm', adding=adding,
            qr_svg=qr_svg(enrolment['otpauth_uri']),
            key=grouped(enrolment['secret']),
            otpauth_uri=enrolment['otpauth_uri'],
            account=enrolment.get('account'),
            issuer=enrolment.get('issuer'),
            digits=enrolment.get('digits') or api.code_length(),
            period=enrolment.get('period') or 30,
            expires_at=horizon_filters.parse_isotime(
                enrolment.get('expires_at'))))


class ActionFormFactory:

    @staticmethod
    def proof(data=None):
        return forms.ActionForm(data, needs_code=True)


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD),
                  name='dispatch')
class _ProvedAction(_FormPage):
    """A change of one's own 2FA that Keystone may want a code for."""

    success_message = ''

    def get(self, request, **kwargs):
        return self.render(forms.ActionForm(), **self.extra(**kwargs))

    def extra(self, **kwargs):
        return {}

    def act(self, client, code, **kwargs):
        raise NotImplementedError

    def done(self, result, **kwargs):
        messages.success(self.request, self.success_message)
        return shortcuts.redirect(_index_url())

    def post(self, request, **kwargs):
        form = forms.ActionForm(request.POST)
        if not form.is_valid():
            return self.render(form, **self.extra(**kwargs))
        try:
            result = self.act(api.Client(request), form.code, **kwargs)
        except os_totp.ProofRequired:
            form.add_code_field()
            form.add_error(None, proof_message())
        except os_totp.CodeNotAccepted:
            form.add_error(None, refused_message())
        except os_totp.APIError as exc:
            form.add_error(None, exc.message)
        else:
            return self.done(result, **kwargs)
        return self.render(form, **self.extra(**kwargs))


class RemoveDeviceView(_ProvedAction):
    page_title = _('Remove device')
    submit_label = _('Remove device')
    submit_class = 'btn-danger'
    form_id = 'ktc_remove_device_form'
    success_message = _('The device was removed.')

    def extra(self, device_id):
        label = device_id
        try:
            for ref in api.Client(self.request).status().get('devices', []):
                if ref['id'] == device_id:
                    label = ref.get('label') or device_id
        except os_totp.APIError:
            pass
        return {'description': _(
            'Remove the device "%(label)s": its codes will no longer log '
            'you in. If it is your only device, Two Factor Authentication '
            'is turned off.') % {'label': label}}

    def act(self, client, code, device_id):
        client.remove_device(device_id, passcode=code)


class DisableView(_ProvedAction):
    page_title = _('Turn Two Factor Authentication off')
    submit_label = _('Turn off')
    submit_class = 'btn-danger'
    form_id = 'ktc_disable_form'
    success_message = _('Two Factor Authentication is off: you log in with '
                        'your password alone.')
    description = _('Every device of your account is removed, with your '
                    'recovery codes, and you log in with your password '
                    'alone. You can turn Two Factor Authentication on again '
                    'at any time, with a new QR code.')

    def act(self, client, code):
        client.disable(passcode=code)


class RecoveryCodesView(_ProvedAction):
    page_title = _('Regenerate recovery codes')
    submit_label = _('Regenerate recovery codes')
    form_id = 'ktc_recovery_codes_form'
    description = _('A new set of 10 recovery codes replaces the old one: '
                    'the old codes stop working at once. Each recovery code '
                    'logs you in once, typed instead of a code of your app, '
                    'if you lose your device.')

    def act(self, client, code):
        return client.new_recovery_codes(passcode=code)

    def done(self, result):
        return _no_store(shortcuts.render(
            self.request, 'settings/two_factor/recovery_codes.html', {
                'page_title': _('New recovery codes'),
                'recovery_codes': result.get('codes') or [],
                'index_url': _index_url(),
            }))


class ResetView(_FormPage):
    """An admin resets another user's 2FA (the lost phone)."""

    page_title = _('Reset Two Factor Authentication')
    submit_label = _('Reset Two Factor Authentication')
    submit_class = 'btn-danger'
    form_id = 'ktc_reset_form'

    def cancel_url(self):
        return reverse(USERS_INDEX)

    def _user(self, user_id):
        from openstack_dashboard import api as dashboard_api
        try:
            return dashboard_api.keystone.user_get(self.request, user_id,
                                                   admin=True)
        except Exception:
            exceptions.handle(self.request, _('Unable to find the user.'),
                              redirect=reverse(USERS_INDEX))

    def page(self, user_id, form):
        user = self._user(user_id)
        try:
            status = api.Client(self.request, user_id=user_id).status()
        except os_totp.APIError as exc:
            messages.error(self.request, _(
                'Unable to read the Two Factor Authentication status of the '
                'user: %s') % exc.message)
            return shortcuts.redirect(reverse(USERS_INDEX))
        recovery = _recovery(status)
        return self.render(
            form, 'settings/two_factor/reset.html', user=user, status=status,
            recovery=recovery, device_count=len(status.get('devices', [])))

    def get(self, request, user_id):
        return self.page(user_id, forms.EmptyForm())

    def post(self, request, user_id):
        user = self._user(user_id)
        client = api.Client(request, user_id=user_id)
        if request.POST.get('what') == 'recovery_codes':
            return self.revoke_recovery_codes(client, user)
        try:
            client.disable()
        except os_totp.NotFound:
            messages.info(request, _(
                'Two Factor Authentication was already off for user '
                '"%s".') % user.name)
            return shortcuts.redirect(reverse(USERS_INDEX))
        except os_totp.APIError as exc:
            messages.error(request, _(
                'Unable to reset Two Factor Authentication: %s')
                % exc.message)
            return shortcuts.redirect(reverse(USERS_INDEX))
        messages.success(request, _(
            'Two Factor Authentication of user "%s" is reset: the user logs '
            'in with the password alone and can turn it on again.')
            % user.name)
        return http.HttpResponseRedirect(reverse(USERS_INDEX))

    def revoke_recovery_codes(self, client, user):
        """Only the recovery codes (a set that may have been seen)."""
        try:
            client.revoke_recovery_codes()
        except os_totp.APIError as exc:
            messages.error(self.request, _(
                'Unable to revoke the recovery codes: %s') % exc.message)
        else:
            messages.success(self.request, _(
                'The recovery codes of user "%s" are revoked; the user '
                'makes new ones in Settings -> Two Factor '
                'Authentication.') % user.name)
        return http.HttpResponseRedirect(reverse(USERS_INDEX))
