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


from django.urls import re_path

from keystone_totp_concat.horizon.panel import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^enable/$', views.EnableView.as_view(), name='enable'),
    re_path(r'^enable/proof/$', views.ProveView.as_view(), name='prove'),
    re_path(r'^devices/(?P<device_id>[^/]+)/remove/$',
            views.RemoveDeviceView.as_view(), name='remove_device'),
    re_path(r'^disable/$', views.DisableView.as_view(), name='disable'),
    re_path(r'^recovery_codes/$', views.RecoveryCodesView.as_view(),
            name='recovery_codes'),
]
