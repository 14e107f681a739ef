# oauthkit.github: everything a fresh clone needs.  `make demo` and `make test` are the two entry points.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := tests/emulator/node/node_modules/.installed

.PHONY: help venv node sshd test demo bench lint clean test-compat

help:
	@echo "make demo   - start the emulator, run docs/examples/get_or_create.yml twice (changed, then ok)"
	@echo "make test   - ruff, emulator tests, ansible-test sanity/units/integration, ansible-lint, docs lint, build + import check"
	@echo "make test-compat - ansible-test sanity/units/integration on the oldest (2.16, Python 3.11) and newest (2.21, Python 3.12+) ansible-core"
	@echo "make bench  - benchmark against ansible.builtin.uri, ping and debug (loop, local fleet, SSH fleet); writes docs/performance.md"
	@echo "make clean  - remove the venv and build output"

$(VENV_STAMP): requirements-dev.txt constraints.txt tests/emulator/pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e tests/emulator
	touch $@

# ansible-test downloads get-pip from a host we cannot reach: make test and make test-compat put the offline stand-in
# (hacking/get_pip_standin.py) where each ansible-test looks for it, under ~/.ansible/test/cache, before they run it.
venv: $(VENV_STAMP)

$(NODE_STAMP): tests/emulator/node/package.json tests/emulator/node/package-lock.json
	npm ci --prefix tests/emulator/node --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_STAMP)

# The loopback SSH harness (tests/integration/targets/setup_sshd) runs its own sshd; it needs Debian's openssh-server and sudo, and acl
# (setfacl: how Ansible shares its temporary files when it becomes an unprivileged user).
# policy-rc.d answers 101 while they install, so that no postinst starts the system's ssh service; none may listen on port 22 after.
SSHD_POLICY := /usr/sbin/policy-rc.d
sshd:
	@if [ -x /usr/sbin/sshd ] && command -v sudo >/dev/null && command -v setfacl >/dev/null; then exit 0; fi; \
	set -e; \
	if [ "$$(id -u)" != 0 ]; then echo "make sshd: run as root to install openssh-server, sudo and acl" >&2; exit 1; fi; \
	own_policy=; \
	if [ ! -e $(SSHD_POLICY) ]; then printf '#!/bin/sh\nexit 101\n' > $(SSHD_POLICY); chmod 0755 $(SSHD_POLICY); own_policy=1; fi; \
	trap 'if [ -n "$$own_policy" ]; then rm -f $(SSHD_POLICY); fi' EXIT; \
	apt-get update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server sudo acl; \
	if [ -s /run/sshd.pid ]; then kill "$$(cat /run/sshd.pid)" 2>/dev/null || true; fi; \
	for _ in $$(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null || break; sleep 0.1; done; \
	if (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null; then echo "make sshd: something still listens on port 22" >&2; exit 1; fi

test: venv node sshd
	$(BIN)/python hacking/run_checks.py

# make test-compat: one venv per ansible-core leg (oldest promised, newest), pinned by hacking/compat/constraints-<leg>.txt.
# hacking/compat.py --find-python picks each leg's interpreter and fails, saying how to get one, when there is none.
COMPAT_LEGS := 2.16 2.21
COMPAT_STAMPS := $(foreach leg,$(COMPAT_LEGS),.venv-compat-$(leg)/.installed)

.venv-compat-%/.installed: hacking/compat/requirements-%.txt hacking/compat/constraints-%.txt
	py=$$($(PYTHON) hacking/compat.py --find-python $*) && rm -rf .venv-compat-$* && $$py -m venv .venv-compat-$*
	.venv-compat-$*/bin/python -m pip install --quiet --disable-pip-version-check -c hacking/compat/constraints-$*.txt -r hacking/compat/requirements-$*.txt
	touch $@

.PHONY: test-compat
test-compat: $(VENV_STAMP) $(COMPAT_STAMPS) sshd
	$(BIN)/python hacking/compat.py

demo: $(VENV_STAMP)
	$(BIN)/python hacking/demo.py

bench: $(VENV_STAMP) sshd
	$(BIN)/python hacking/bench.py

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) dist tests/output tests/emulator/node/node_modules
