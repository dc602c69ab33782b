# shellcheck shell=bash
#
# Recording stand-ins for the devstack functions that devstack/plugin.sh
# and devstack/settings call, for tests/unit/test_devstack_plugin.py.
#
# Every call is appended to $KTC_CALLS as one line: the function name and
# its arguments. iniset, iniget and inidelete work on the real file (through
# ini.py); the rest only record. Environment: KTC_CALLS, KTC_STUBS (this
# directory), KTC_BIN (what get_python_exec_prefix prints), PYTHON,
# ENABLED_SERVICES, DISABLED_SERVICES, KTC_WAIT_RC (wait_for_service's exit
# status, default 0).

function _record {
    echo "$*" >> "$KTC_CALLS"
}

function _service_listed {
    local list=$1 service=$2
    [[ ",$list," == *",$service,"* ]]
}

# devstack's is_service_enabled, with its "keystone" -> "key" special case.
function is_service_enabled {
    local service name
    for service in "$@"; do
        name=$service
        [[ "$service" == keystone ]] && name=key
        _service_listed "${DISABLED_SERVICES:-}" "$service" && continue
        _service_listed "${ENABLED_SERVICES:-}" "$name" && return 0
    done
    return 1
}

function enable_service {
    local service
    for service in "$@"; do
        _service_listed "${DISABLED_SERVICES:-}" "$service" && continue
        ENABLED_SERVICES="${ENABLED_SERVICES:-},$service"
    done
}

function trueorfalse {
    local default=$1 value=${!2:-}
    case "$value" in
        "") echo "$default" ;;
        1|yes|Yes|YES|true|True|TRUE|on|On|ON) echo True ;;
        0|no|No|NO|false|False|FALSE|off|Off|OFF) echo False ;;
        *) die "$LINENO" "$2 is neither true nor false: $value" ;;
    esac
}

function die {
    echo "die: $*" >&2
    exit 1
}

function warn {
    _record warn "$@"
}

function echo_summary {
    echo "$*"
}

function get_python_exec_prefix {
    echo "$KTC_BIN"
}

function iniset {
    _record iniset "$@"
    "$PYTHON" "$KTC_STUBS/ini.py" set "$@"
}

function iniget {
    "$PYTHON" "$KTC_STUBS/ini.py" get "$@"
}

function inidelete {
    _record inidelete "$@"
    "$PYTHON" "$KTC_STUBS/ini.py" delete "$@"
}

function wait_for_service {
    _record wait_for_service "$@"
    return "${KTC_WAIT_RC:-0}"
}

function setup_develop { _record setup_develop "$@"; }
function pip_install { _record pip_install "$@"; }
function pip_uninstall { _record pip_uninstall "$@"; }
function restart_service { _record restart_service "$@"; }
function restart_apache_server { _record restart_apache_server "$@"; }
