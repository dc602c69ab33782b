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

"""/auth/ routes of the login extension, listed before openstack_auth's in
``AUTHENTICATION_URLS`` (etc/horizon/_90_keystone_totp_concat.py): the
login page, same path and name as openstack_auth's, and the set-up page's
POST.
"""

from django.urls import re_path

from keystone_totp_concat.horizon.login import views

urlpatterns = [
    re_path(r'^login/$', views.login, name='login'),
    re_path(r'^two_factor_set_up/$', views.set_up_view, name='ktc_set_up'),
]
