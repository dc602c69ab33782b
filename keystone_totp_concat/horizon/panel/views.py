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


"""Pages of the panel: status, enable / add a device, remove a device,
turn off, recovery codes.

Horizon's form views, served as plain pages rather than AJAX modals (the
links carry no ``ajax-modal``): the QR page and the recovery codes are shown
once, and a modal reloaded or closed by mistake would lose them. Pages with
a secret or recovery codes are sent with ``Cache-Control: no-store``.
"""

from django import shortcuts
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.debug import sensitive_variables
from horizon import exceptions
from horizon import forms as horizon_forms
from horizon import messages
from horizon import tables as horizon_tables

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon import code_field
from keystone_totp_concat.horizon.panel import api
from keystone_totp_concat.horizon.panel import enrolment as enrolment_mod
from keystone_totp_concat.horizon.panel import forms
from keystone_totp_concat.horizon.panel import tables

INDEX = forms.INDEX
_FORM_TEMPLATE = 'settings/two_factor/form.html'


def no_store(response):
    """Pages with a secret or recovery codes: kept by no cache."""
    response['Cache-Control'] = 'no-store'
    response['Pragma'] = 'no-cache'
    return response


def _recovery(status):
    """``recovery_codes`` of the status, when Keystone has them."""
    value = status.get('recovery_codes')
    return value if isinstance(value, dict) else None


class _Device:
    """One device of the status, as the table wants it."""

    def __init__(self, ref):
        self.id = ref['id']
        self.label = ref.get('label')
        self.created_at = ref.get('created_at')
        self.last_used_at = ref.get('last_used_at')


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
        context['code_length'] = code_field.code_length()
        return context


class _FormView(horizon_forms.ModalFormView):
    """A form page of the panel: back to the status page when done."""

    template_name = _FORM_TEMPLATE
    success_url = reverse_lazy(INDEX)
    submit_class = 'btn-primary'
    description = ''

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['modal_id'] = self.form_id + '_modal'
        context['submit_url'] = self.request.path
        context['submit_class'] = self.submit_class
        context['description'] = self.description
        return context


class _ShownOnceMixin:
    """The success is a page shown once (a secret, recovery codes).

    Horizon's form views redirect after handle(); these pages must not be
    reachable again, so the result of handle() is rendered at once.
    """

    @method_decorator(sensitive_variables('result'))
    def form_valid(self, form):
        result = form.handle(self.request, form.cleaned_data)
        if not result:
            return self.form_invalid(form)
        return no_store(self.result_page(result))

    def result_page(self, result):
        raise NotImplementedError


def enabled_page(request, answer, adding, digits):
    codes = answer.get('recovery_codes')
    return shortcuts.render(request, 'settings/two_factor/enabled.html', {
        'page_title': _('Two Factor Authentication is on'),
        'adding': adding, 'device': answer.get('device') or {},
        'recovery_codes': codes if isinstance(codes, list) else None,
        'code_length': digits, 'index_url': reverse(INDEX),
    })


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD,
                                            enrolment_mod.FIELD),
                  name='dispatch')
class EnableView(_ShownOnceMixin, _FormView):
    """"Enable Two Factor Authentication", and "Add another device".

    A visit begins an enrolment on Keystone (a new secret, pending); the
    page shows it as a QR code and as the key, with the code field. A wrong
    code shows the same secret again (enrolment.py): Keystone keeps it
    pending until a code of it is typed.
    """

    form_class = forms.ConfirmForm
    form_id = 'ktc_enable_form'
    template_name = 'settings/two_factor/enable.html'
    enrolment = None

    @property
    def adding(self):
        return bool(self.enrolment and self.enrolment.get('adding'))

    @method_decorator(sensitive_variables('begun'))
    def get(self, request, *args, **kwargs):
        client = api.Client(request)
        try:
            adding = client.status()['enabled']
            begun = client.begin()
        except os_totp.ProofRequired:
            return shortcuts.redirect('horizon:settings:two_factor:prove')
        except os_totp.APIError:
            exceptions.handle(request, _('Unable to begin the enrolment.'),
                              redirect=reverse(INDEX))
        return self.show(begun, adding)

    @method_decorator(sensitive_variables('begun'))
    def show(self, begun, adding):
        """The QR page of a new enrolment, with an empty form."""
        self.enrolment = dict(begun, adding=adding)
        form = self.form_class(self.request, initial={
            enrolment_mod.FIELD: enrolment_mod.sign(
                self.request.user.id, begun, adding)},
            digits=enrolment_mod.digits(begun))
        return no_store(self.render_to_response(
            self.get_context_data(form=form)))

    def post(self, request, *args, **kwargs):
        self.enrolment = enrolment_mod.unsign(
            request.user.id, request.POST.get(enrolment_mod.FIELD))
        if self.enrolment is None:
            messages.error(request, _('This enrolment is not valid any more: '
                                      'begin again.'))
            return shortcuts.redirect(INDEX)
        return no_store(super().post(request, *args, **kwargs))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['digits'] = enrolment_mod.digits(self.enrolment)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(enrolment_mod.page_context(self.enrolment))
        context['submit_url'] = reverse('horizon:settings:two_factor:enable')
        if self.adding:
            context['page_title'] = _('Add another device')
            context['submit_label'] = _('Add device')
        else:
            context['page_title'] = _('Enable Two Factor Authentication')
            context['submit_label'] = _('Validate and set the OTP secret')
        return context

    def result_page(self, answer):
        return enabled_page(self.request, answer, self.adding,
                            enrolment_mod.digits(self.enrolment))


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD),
                  name='dispatch')
class ProveView(_FormView):
    """A current code before another device: then the QR page."""

    form_class = forms.ProofForm
    form_id = 'ktc_proof_form'
    page_title = _('Add another device')
    submit_label = _('Continue')
    description = _('Your account already has Two Factor Authentication. To '
                    'add another device, type a current code of one of your '
                    'devices (not needed for a few minutes after a login '
                    'with your password and code).')

    @method_decorator(sensitive_variables('begun'))
    def form_valid(self, form):
        begun = form.handle(self.request, form.cleaned_data)
        if not begun:
            return self.form_invalid(form)
        view = EnableView()
        view.setup(self.request)
        return view.show(begun, adding=True)


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD),
                  name='dispatch')
class RemoveDeviceView(_FormView):
    form_class = forms.RemoveDeviceForm
    form_id = 'ktc_remove_device_form'
    page_title = _('Remove device')
    submit_label = _('Remove device')
    submit_class = 'btn-danger'

    def get_initial(self):
        return {'device_id': self.kwargs['device_id']}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device_id = self.kwargs['device_id']
        label = device_id
        try:
            for ref in api.Client(self.request).status().get('devices', []):
                if ref['id'] == device_id:
                    label = ref.get('label') or device_id
        except os_totp.APIError:
            pass
        context['description'] = _(
            'Remove the device "%(label)s": its codes will no longer log '
            'you in. If it is your only device, Two Factor Authentication '
            'is turned off.') % {'label': label}
        return context


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD),
                  name='dispatch')
class DisableView(_FormView):
    form_class = forms.DisableForm
    form_id = 'ktc_disable_form'
    page_title = _('Turn Two Factor Authentication off')
    submit_label = _('Turn off')
    submit_class = 'btn-danger'
    description = _('Every device of your account is removed, with your '
                    'recovery codes, and you log in with your password '
                    'alone. You can turn Two Factor Authentication on again '
                    'at any time, with a new QR code.')


@method_decorator(sensitive_post_parameters(forms.CODE_FIELD),
                  name='dispatch')
class RecoveryCodesView(_ShownOnceMixin, _FormView):
    form_class = forms.RecoveryCodesForm
    form_id = 'ktc_recovery_codes_form'
    page_title = _('Regenerate recovery codes')
    submit_label = _('Regenerate recovery codes')
    description = _('A new set of 10 recovery codes replaces the old one: '
                    'the old codes stop working at once. Each recovery code '
                    'logs you in once, typed instead of a code of your app, '
                    'if you lose your device.')

    def result_page(self, result):
        return shortcuts.render(
            self.request, 'settings/two_factor/recovery_codes.html', {
                'page_title': _('New recovery codes'),
                'recovery_codes': result.get('codes') or [],
                'index_url': reverse(INDEX),
            })
