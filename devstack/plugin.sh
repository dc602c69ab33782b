#!/bin/bash
#
# devstack/plugin.sh - DevStack plugin of keystone-totp-concat
#
# Two Factor Authentication for Keystone: the TOTP code typed directly
# after the password. Enabled with, in local.conf:
#
#   enable_plugin keystone-totp-concat <git-url> [<branch>]
#
# stack install      installs this checkout into Keystone's Python
#                    environment (setup_develop, with the "server" extra)
# stack post-config  writes [auth] and [totp_concat] into keystone.conf,
#                    installs the credential policy, serves Keystone through
#                    keystone_totp_concat.wsgi:application, creates this
#                    package's tables (keystone-totp-manage db_sync) and
#                    restarts Keystone, which stack.sh started before this
#                    phase
# unstack            takes the plugin's settings, policy file and WSGI
#                    module out again
# clean              the same, and uninstalls the package; its tables live
#                    in Keystone's database and go with it
#
# Variables: devstack/settings.

# Save trace setting
_XTRACE_KEYSTONE_TOTP_CONCAT=$(set +o | grep xtrace)
set -o xtrace

# The [totp_concat] options and the settings variables that hold them.
_KEYSTONE_TOTP_CONCAT_OPTIONS=(
    steps_before:KEYSTONE_TOTP_CONCAT_STEPS_BEFORE
    steps_after:KEYSTONE_TOTP_CONCAT_STEPS_AFTER
    code_length:KEYSTONE_TOTP_CONCAT_CODE_LENGTH
    max_failures:KEYSTONE_TOTP_CONCAT_MAX_FAILURES
    lockout_duration:KEYSTONE_TOTP_CONCAT_LOCKOUT_DURATION
    max_lockout_duration:KEYSTONE_TOTP_CONCAT_MAX_LOCKOUT_DURATION
    password_first_after:KEYSTONE_TOTP_CONCAT_PASSWORD_FIRST_AFTER
    bind_to_check_wrong_codes:KEYSTONE_TOTP_CONCAT_BIND_TO_CHECK_WRONG_CODES
    enrolment_expiry:KEYSTONE_TOTP_CONCAT_ENROLMENT_EXPIRY
    fresh_token_seconds:KEYSTONE_TOTP_CONCAT_FRESH_TOKEN_SECONDS
    protect_totp_credentials:KEYSTONE_TOTP_CONCAT_PROTECT_TOTP_CREDENTIALS
    required_grace_days:KEYSTONE_TOTP_CONCAT_REQUIRED_GRACE_DAYS
    issuer:KEYSTONE_TOTP_CONCAT_ISSUER
)
_KEYSTONE_TOTP_CONCAT_POLICY_FILE=totp-credentials.yaml
_KEYSTONE_TOTP_CONCAT_WSGI_MODULE=keystone_totp_concat.wsgi:application


# install_keystone_totp_concat() - Install into Keystone's environment
function install_keystone_totp_concat {
    setup_develop "$KEYSTONE_TOTP_CONCAT_DIR" server
}

# _keystone_totp_concat_auth_methods() - Print Keystone's effective
# [auth] methods: keystone.conf's value or, when unset, the default of the
# installed Keystone, which changes between releases.
function _keystone_totp_concat_auth_methods {
    "$PYTHON" - "$KEYSTONE_CONF" <<'EOF'
import sys

import keystone.conf

keystone.conf.configure()
keystone.conf.CONF(['--config-file', sys.argv[1]], project='keystone',
                   default_config_files=[])
print(','.join(keystone.conf.CONF.auth.methods))
EOF
}

# configure_keystone_totp_concat() - Write keystone.conf and the policy
function configure_keystone_totp_concat {
    local methods option variable

    iniset "$KEYSTONE_CONF" auth password totp_concat
    # Keystone's stock totp method would issue a token for the code alone;
    # point "totp" at the hardened one even when it is not enabled here.
    iniset "$KEYSTONE_CONF" auth totp totp_concat
    if [[ "$KEYSTONE_TOTP_CONCAT_TOTP_METHOD" == "True" ]]; then
        methods=$(_keystone_totp_concat_auth_methods)
        if [[ -z "$methods" ]]; then
            die $LINENO "Cannot read [auth] methods of $KEYSTONE_CONF"
        fi
        if [[ ",$methods," != *,totp,* ]]; then
            methods+=",totp"
        fi
        iniset "$KEYSTONE_CONF" auth methods "$methods"
    fi

    for option in "${_KEYSTONE_TOTP_CONCAT_OPTIONS[@]}"; do
        variable=${option#*:}
        iniset "$KEYSTONE_CONF" totp_concat "${option%%:*}" "${!variable}"
    done

    if [[ "$KEYSTONE_TOTP_CONCAT_POLICY" == "True" ]]; then
        # oslo.policy reads policy.d next to keystone.conf by default
        # ([oslo_policy] policy_dirs), on top of the policy file if any.
        install -D -m 0644 \
            "$KEYSTONE_TOTP_CONCAT_DIR/etc/policy.d/$_KEYSTONE_TOTP_CONCAT_POLICY_FILE" \
            "$KEYSTONE_CONF_DIR/policy.d/$_KEYSTONE_TOTP_CONCAT_POLICY_FILE"
    fi

    if [[ "$KEYSTONE_TOTP_CONCAT_WSGI" == "True" ]]; then
        if [[ "${KEYSTONE_DEPLOY:-uwsgi}" == "mod_wsgi" ]]; then
            warn $LINENO "Keystone runs under Apache: serve $_KEYSTONE_TOTP_CONCAT_WSGI_MODULE by hand for the password-change check"
        else
            _keystone_totp_concat_uwsgi_conf
        fi
    fi
}

# _keystone_totp_concat_uwsgi_conf() - Serve Keystone's API through this
# package's WSGI module, which adds the code check on the self-service
# password change. DevStack's uwsgi file names Keystone's application as
# "module" (or, on older branches, as a "wsgi-file" script); the file as
# DevStack wrote it is kept beside it for unstack.
function _keystone_totp_concat_uwsgi_conf {
    local ini=$KEYSTONE_PUBLIC_UWSGI_CONF
    if [[ "$(iniget "$ini" uwsgi module)" != "$_KEYSTONE_TOTP_CONCAT_WSGI_MODULE" ]]; then
        cp -p "$ini" "$ini.keystone-totp-concat.orig"
    fi
    inidelete "$ini" uwsgi wsgi-file
    iniset "$ini" uwsgi module "$_KEYSTONE_TOTP_CONCAT_WSGI_MODULE"
}

# init_keystone_totp_concat() - Create or upgrade the replay and throttle
# tables in Keystone's database
function init_keystone_totp_concat {
    "$(get_python_exec_prefix)/keystone-totp-manage" \
        --config-file "$KEYSTONE_CONF" db_sync
}

# restart_keystone_for_totp_concat() - Load the new configuration
function restart_keystone_for_totp_concat {
    if [[ "${KEYSTONE_DEPLOY:-uwsgi}" == "mod_wsgi" ]]; then
        # DevStack branches that could still run Keystone under Apache.
        restart_apache_server
    else
        restart_service devstack@keystone
    fi
    if ! wait_for_service "${SERVICE_TIMEOUT:-60}" "$KEYSTONE_SERVICE_URI/v3/"; then
        die $LINENO "Keystone did not come back after enabling keystone-totp-concat"
    fi
}

# cleanup_keystone_totp_concat() - Take out what configure wrote: the
# [auth] password and totp options, "totp" in [auth] methods, the
# [totp_concat] options, the policy file and the uwsgi module. Keystone is back to its stock
# password method; enrolled users log in with the password alone.
function cleanup_keystone_totp_concat {
    local methods option
    local uwsgi_orig=$KEYSTONE_PUBLIC_UWSGI_CONF.keystone-totp-concat.orig

    rm -f "$KEYSTONE_CONF_DIR/policy.d/$_KEYSTONE_TOTP_CONCAT_POLICY_FILE"
    if [[ -d "$KEYSTONE_CONF_DIR/policy.d" ]]; then
        rmdir --ignore-fail-on-non-empty "$KEYSTONE_CONF_DIR/policy.d"
    fi
    if [[ -f "$uwsgi_orig" && -f "$KEYSTONE_PUBLIC_UWSGI_CONF" ]]; then
        mv "$uwsgi_orig" "$KEYSTONE_PUBLIC_UWSGI_CONF"
    fi
    rm -f "$uwsgi_orig"
    [[ -f "$KEYSTONE_CONF" ]] || return 0

    inidelete "$KEYSTONE_CONF" auth password
    inidelete "$KEYSTONE_CONF" auth totp
    # Never leave "totp" enabled without [auth] totp: that would be
    # Keystone's stock method, which takes the code as the only factor.
    methods=$(iniget "$KEYSTONE_CONF" auth methods)
    if [[ ",$methods," == *,totp,* ]]; then
        methods=",$methods,"
        methods=${methods//,totp,/,}
        methods=${methods#,}
        methods=${methods%,}
        if [[ -n "$methods" ]]; then
            iniset "$KEYSTONE_CONF" auth methods "$methods"
        else
            inidelete "$KEYSTONE_CONF" auth methods
        fi
    fi
    for option in "${_KEYSTONE_TOTP_CONCAT_OPTIONS[@]}"; do
        inidelete "$KEYSTONE_CONF" totp_concat "${option%%:*}"
    done
}


# Dispatcher. Keystone runs on the node that has the "keystone" service;
# elsewhere (compute nodes of a multi-node setup) there is nothing to do.
if is_service_enabled keystone && is_service_enabled keystone-totp-concat; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing keystone-totp-concat"
        install_keystone_totp_concat
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring keystone-totp-concat"
        configure_keystone_totp_concat
        init_keystone_totp_concat
        restart_keystone_for_totp_concat
    fi

    if [[ "$1" == "unstack" ]]; then
        cleanup_keystone_totp_concat
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_keystone_totp_concat
        pip_uninstall keystone-totp-concat
    fi
fi

# Restore xtrace
$_XTRACE_KEYSTONE_TOTP_CONCAT
