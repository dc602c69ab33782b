# One virtualenv for everything, installed from this repo's own files with
# the versions pinned in constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# make test runs test files on this many pytest-xdist workers, each with
# Keystone servers of its own (0: in pytest's own process).
PYTEST_WORKERS ?= 2

.PHONY: venv run run-dashboard test lint docs dist wheel genconfig genpolicy clean horizon-venv \
	horizon-2025.1-venv browser test-horizon-unit test-e2e test-cluster test-operator bench ldap-packages test-ldap \
	memcached-packages test-cache bench-scale

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg requirements.txt test-requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -r test-requirements.txt -e '.[server]'
	touch $@

run: venv
	$(BIN)/python tools/local_keystone.py

# Horizon with the 2FA login extension and the Settings panel on
# 127.0.0.1:8000 (tools/local_dashboard.py), against make run's Keystone:
# start it in a second shell while make run runs.
run-dashboard: venv horizon-venv
	$(BIN)/python tools/local_dashboard.py --venv $(HZ_VENV)

test: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# An LDAP-backed domain (tests/functional/test_ldap.py) against a private
# slapd with the ppolicy overlay (tests/ldap_server.py). Keystone's LDAP
# driver needs python-ldap, built from source against libldap and libsasl2:
# Debian's packages are installed here when missing (root), python-ldap
# into the venv by test-ldap only, so make venv/run/test need no apt. In
# make test the LDAP tests skip without them; test-ldap fails instead.
test-ldap: $(VENV)/.ldap-installed
	KTC_LDAP=1 $(BIN)/pytest tests/functional/test_ldap.py $(PYTEST_ARGS)

$(VENV)/.ldap-installed: $(VENV)/.installed | ldap-packages
	$(BIN)/pip install --quiet -c constraints.txt python-ldap ldappool
	touch $@

ldap-packages:
	@{ test -x /usr/sbin/slapd && command -v ldapwhoami && \
	   test -f /usr/include/ldap.h && test -f /usr/include/sasl/sasl.h; \
	 } >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq slapd ldap-utils libldap2-dev libsasl2-dev; }

# Keystone's cache in a private memcached (tests/functional/test_cache.py):
# Debian's memcached is installed here when missing, the pymemcache client
# into the venv by test-cache only. In make test these tests skip without
# them; test-cache fails instead.
test-cache: $(VENV)/.cache-installed | memcached-packages
	KTC_MEMCACHED=1 $(BIN)/pytest tests/functional/test_cache.py $(PYTEST_ARGS)

$(VENV)/.cache-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt pymemcache==4.0.0
	touch $@

memcached-packages:
	@command -v memcached >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq memcached; }

# flake8 with the OpenStack hacking rules (tox.ini [flake8]), and the
# package's layers (import-linter contracts in setup.cfg).
lint: venv
	$(BIN)/flake8
	$(BIN)/lint-imports --no-logo --no-cache

# The documentation (doc/source/) into doc/build/html, warnings as errors:
# Sphinx, openstackdocstheme and reno (doc/requirements.txt, pinned by
# constraints.txt) in the project's virtualenv, whose package the
# configuration and policy references are generated from. The release
# notes come from git: reno reads committed notes only.
docs: $(VENV)/.docs-installed
	rm -rf doc/build
	$(BIN)/sphinx-build -W --keep-going -b html doc/source doc/build/html

$(VENV)/.docs-installed: $(VENV)/.installed doc/requirements.txt
	$(BIN)/pip install --quiet -c constraints.txt -r doc/requirements.txt
	touch $@

# Browser tests (tests/e2e/): Horizon in a virtualenv of its own, as its
# Django stack is pinned apart (tests/e2e/horizon-constraints.txt), driven
# by Debian's Chromium and chromedriver, installed here when missing.
HZ_VENV ?= .venv-horizon

horizon-venv: $(HZ_VENV)/.installed

$(HZ_VENV)/.installed: setup.cfg requirements.txt tests/e2e/horizon-constraints.txt
	$(PYTHON) -m venv $(HZ_VENV)
	$(HZ_VENV)/bin/pip install --quiet --upgrade pip
	$(HZ_VENV)/bin/pip install --quiet -c tests/e2e/horizon-constraints.txt horizon -e .
	touch $@

# Horizon 2025.1 (25.3.2) for the panel's smoke test
# (tests/e2e/test_horizon_2025_1.py), pinned apart as well.
HZ_2025_1_VENV ?= .venv-horizon-2025.1

horizon-2025.1-venv: $(HZ_2025_1_VENV)/.installed

$(HZ_2025_1_VENV)/.installed: setup.cfg requirements.txt tests/e2e/horizon-2025.1-constraints.txt
	$(PYTHON) -m venv $(HZ_2025_1_VENV)
	$(HZ_2025_1_VENV)/bin/pip install --quiet --upgrade pip
	$(HZ_2025_1_VENV)/bin/pip install --quiet -c tests/e2e/horizon-2025.1-constraints.txt horizon -e .
	touch $@

# Django unit tests of the Settings panel's views and forms (tests/
# horizon_unit/), with Horizon's test helpers and the OS-TOTP client
# mocked: seconds, no Keystone, no browser.
test-horizon-unit: horizon-venv
	PYTHONPATH=. $(HZ_VENV)/bin/python -m django test tests.horizon_unit \
	  --settings=tests.horizon_unit.settings $(HORIZON_UNIT_ARGS)

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium chromium-driver; }

test-e2e: venv test-horizon-unit horizon-2025.1-venv browser
	KTC_E2E=1 KTC_HORIZON_VENV=$(HZ_VENV) KTC_HORIZON_2025_1_VENV=$(HZ_2025_1_VENV) \
	  $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# Two Keystone nodes on one MariaDB database under load (tests/cluster/);
# KTC_CLUSTER_DB=postgresql for PostgreSQL. Needs the server on 127.0.0.1.
test-cluster: venv
	KTC_CLUSTER=1 $(BIN)/pytest tests/cluster $(PYTEST_ARGS)

# A real 3-node MariaDB Galera cluster on 127.0.0.1, started and stopped by
# the tests, with Keystone nodes on it (tests/galera/): multi-master races
# of one code, a single writer killed under load, a node without quorum.
# Needs root (mariadbd runs as mysql); the server, the galera-4 provider and
# rsync (state transfers) are installed here when missing. ~5 minutes.
galera-packages:
	@{ command -v mariadbd || test -x /usr/sbin/mariadbd; } >/dev/null && \
	  test -f /usr/lib/galera/libgalera_smm.so && \
	  command -v rsync >/dev/null && command -v lsof >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq mariadb-server galera-4 rsync lsof iproute2; }

test-galera: venv galera-packages
	KTC_GALERA=1 $(BIN)/pytest tests/galera $(PYTEST_ARGS)

# The operator's path of the documentation (doc/source/), its marked
# commands run as written (tests/operator/): the wheel into a new virtualenv with a stock
# Keystone on MariaDB (127.0.0.1) under uwsgi, enable, upgrade, roll back,
# enable again. OPERATOR_RELEASES: the Keystone series (default 2026.2;
# .ci/run adds the oldest, 2024.1). About 3 minutes a release; needs the
# package index or pip's cache.
OPERATOR_RELEASES ?= 2026.2
test-operator: venv
	$(BIN)/pip install --quiet -c constraints.txt uv
	KTC_OPERATOR=1 KTC_OPERATOR_RELEASES="$(OPERATOR_RELEASES)" \
	  $(BIN)/pytest tests/operator $(PYTEST_ARGS)

# The login, replay, throttle and route tests against each maintained
# Keystone release, each in its own virtualenv (.venv-releases/SERIES) with
# the packages of its time (uv --exclude-newer; tests/releases/). RELEASES
# picks series (default: all, 2024.1 to 2026.2); needs MariaDB on 127.0.0.1.
# About 3 minutes a release, plus 20 s for a new virtualenv.
RELEASES ?=
test-releases: venv
	$(BIN)/pip install --quiet -c constraints.txt uv
	$(BIN)/python -m tests.releases.run $(RELEASES)

# Side-by-side benchmark with stock Keystone (bench/), with 2 and 4 uwsgi
# processes: about 25 minutes on two cores; writes bench/results/ and exits 1
# when a target (doc/source/contributor/performance.rst, "The four
# targets") does not hold. Not part of
# CI: timings need a quiet machine.
BENCH_ARGS ?=
bench: venv
	$(BIN)/pip install --quiet -c constraints.txt -r bench/requirements.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# A login's latency against the size of the cloud (bench/scale.py): other
# users' ec2 credentials (0, 100k, 1M) and other enrolled users (0, 100k),
# plugin vs stock, on MariaDB; writes bench/results/scale.*. Tens of
# minutes; timings need a quiet machine: not part of CI.
BENCH_SCALE_ARGS ?=
bench-scale: venv
	$(BIN)/pip install --quiet -c constraints.txt -r bench/requirements.txt
	$(BIN)/python -m bench.scale $(BENCH_SCALE_ARGS)

# The sdist and wheel of a release, in $(DIST_DIR)/ (make wheel: the wheel
# only). pbr takes the version from a git tag or from PBR_VERSION, which it
# uses as is; no tag is made (CI's fresh clone would not have it), the
# release version is set here. They are built in a small virtualenv of
# their own, $(BUILD_VENV), with only build, pbr and setuptools pinned by
# constraints.txt (no Keystone, no test stack, no compiler).
PBR_VERSION ?= 1.0.0
DIST_DIR ?= dist
BUILD_VENV ?= .venv-build

$(BUILD_VENV)/.installed: constraints.txt
	$(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install --quiet -c constraints.txt build pbr setuptools
	touch $@

dist: $(BUILD_VENV)/.installed
	rm -rf $(DIST_DIR)
	PBR_VERSION=$(PBR_VERSION) $(BUILD_VENV)/bin/python -m build \
	  --no-isolation --outdir $(DIST_DIR) .

wheel: $(BUILD_VENV)/.installed
	rm -rf $(DIST_DIR)
	PBR_VERSION=$(PBR_VERSION) $(BUILD_VENV)/bin/python -m build \
	  --no-isolation --wheel --outdir $(DIST_DIR) .

genconfig: venv
	$(BIN)/oslo-config-generator --config-file etc/oslo-config-generator/keystone-totp-concat.conf

genpolicy: venv
	$(BIN)/oslopolicy-sample-generator --config-file etc/oslo-policy-generator/keystone-totp-concat.conf

clean:
	rm -rf $(VENV) $(BUILD_VENV) $(HZ_VENV) $(HZ_2025_1_VENV) .run test-output
