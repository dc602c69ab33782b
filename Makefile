# One virtualenv for everything, installed from this repo's own files with
# the versions pinned in constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: venv run test genconfig clean

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg requirements.txt test-requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -r test-requirements.txt -e '.[server]'
	touch $@

run: venv
	$(BIN)/python tools/local_keystone.py

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

genconfig: venv
	$(BIN)/oslo-config-generator --config-file etc/oslo-config-generator/keystone-totp-concat.conf

clean:
	rm -rf $(VENV) .run test-output
