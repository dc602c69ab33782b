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

"""The throttle's arithmetic, and the guess-rate figure its option states."""

from keystone_totp_concat.core import throttle
from keystone_totp_concat.server import conf

DEFAULTS = {opt.name: opt.default for opt in conf.OPTS}
STATED_FIGURE = 90


def default_guesses_per_day():
    return throttle.guesses_per_day(DEFAULTS['max_failures'],
                                    DEFAULTS['lockout_duration'],
                                    DEFAULTS['max_lockout_duration'])


def test_lockouts_double_up_to_the_cap():
    assert [throttle.lockout_seconds(n, 300, 86400) for n in range(10)] == [
        300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400]
    assert throttle.lockout_seconds(10 ** 9, 300, 86400) == 86400


def test_a_lockout_ends_on_a_whole_second_not_before_its_length():
    assert throttle.locked_until(1000.2, 0, 2, 4) == 1003
    assert throttle.locked_until(1000.0, 5, 2, 4) == 1004


def test_default_settings_allow_fewer_than_100_guesses_per_day():
    # 10 codes at each of t = 0, 300, 900, 2100, 4500, 9300, 18900, 38100
    # and 76500 s; the next window opens at 153300 s, after the day.
    guesses = default_guesses_per_day()
    assert guesses < 100
    assert guesses == STATED_FIGURE
    assert DEFAULTS['max_failures'] <= 10


def test_guesses_per_day_counts_every_window_that_opens_in_the_day():
    assert throttle.guesses_per_day(3, 10, 10, day=30) == 9
    assert throttle.guesses_per_day(3, 10, 10, day=31) == 12
    assert throttle.guesses_per_day(5, 60, 60) == 5 * 1440


def test_the_option_help_states_the_computed_figure():
    figure = '%d code guesses' % default_guesses_per_day()
    help_text = {opt.name: opt.help for opt in conf.OPTS}['max_failures']
    assert 'at most %s per user per day' % figure in help_text


def test_checks_before_the_password_never_reach_a_lockout():
    assert throttle.unproved_checks(3, 10) == 3
    assert throttle.unproved_checks(20, 10) == 9
    assert throttle.unproved_checks(3, 1) == 0
    assert throttle.unproved_checks(0, 10) == 0
    assert (throttle.unproved_checks(DEFAULTS['password_first_after'],
                                     DEFAULTS['max_failures'])
            < DEFAULTS['max_failures'])
