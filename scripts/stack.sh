#!/usr/bin/env bash
# Start, stop or wait for the assistant's servers: the action server (.venv), the Rasa server (.venv-rasa)
# and the web chat (scripts/web.py in .venv: the page, /api/chat proxied to Rasa, /api/feedback).
#   scripts/stack.sh start   start all three in the background (pids and logs in .run/), wait until they answer
#                            (a plan question answered through the REST webhook), then print the address
#   scripts/stack.sh stop    stop all three
#   scripts/stack.sh status  say what is running
# REPLICAS=2 (or more) starts that many action servers (ACTION_PORT, +1, …) and Rasa servers (RASA_PORT, +1, …)
# sharing PostgreSQL (tracker store, complaint store) and Redis (lock store, channel state) from
# scripts/services.sh, wired by endpoints.shared.yml; replica i's Rasa calls replica i's action server. The web chat
# sends each message to the next Rasa server in turn. The Rasa URLs are written to .run/rasa.urls (make bench-load
# reads them).
# Rasa's HTTP API (trackers, model) needs the operator token: OPERATOR_TOKEN, or else a random one kept in
# .run/operator_token (mode 600), e.g. curl "localhost:5005/conversations/<id>/tracker?token=$(cat .run/operator_token)".
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8000}
REPLICAS=${REPLICAS:-1}
export SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS="ignore::DeprecationWarning"
mkdir -p "$RUN"
if [ -z "${OPERATOR_TOKEN:-}" ]; then
  if [ ! -s "$RUN/operator_token" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RUN/operator_token")
  fi
  chmod 600 "$RUN/operator_token"
  OPERATOR_TOKEN=$(cat "$RUN/operator_token")
  TOKEN_NOTE="operator token (Rasa API ?token=, python -m actions.complaints, the console at /admin): in $RUN/operator_token"
else
  TOKEN_NOTE="operator token: the OPERATOR_TOKEN you set"
fi
export OPERATOR_TOKEN
# The WeChat channel (credentials.wechat.yml) only when WECHAT_TOKEN is set; its other settings may be empty.
CREDENTIALS=credentials.yml
if [ -n "${WECHAT_TOKEN:-}" ]; then
  CREDENTIALS=credentials.wechat.yml
  export WECHAT_APPID=${WECHAT_APPID:-} WECHAT_APPSECRET=${WECHAT_APPSECRET:-} WECHAT_AES_KEY=${WECHAT_AES_KEY:-}
fi

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_one() {  # name, command...
  local name=$1; shift
  if running "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  setsid "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

wait_for() {  # name, url, seconds
  local name=$1 url=$2 limit=$3 t=0
  # the URL goes to curl on stdin, so a token in it never shows in `ps`
  until printf 'url = "%s"\n' "$url" | curl -fsS -o /dev/null -K - 2>/dev/null; do
    if ! running "$name"; then echo "error: $name stopped while starting; its log:" >&2; tail -n 40 "$RUN/$name.log" >&2; return 1; fi
    sleep 1; t=$((t + 1))
    if [ "$t" -ge "$limit" ]; then echo "error: $name did not answer within $limit s; see $RUN/$name.log" >&2; return 1; fi
  done
}

wait_answered() {  # name, Rasa base URL, seconds: until a plan question gets a plan answer through the REST
  # webhook (the action server warms the knowledge base up at start; this waits for that and for Rasa's first parse)
  local name=$1 url=$2 limit=$3 t=0
  until curl -fsS -m 60 -H 'Content-Type: application/json' -d '{"sender":"stack-warm-up","message":"蓝藻怎么治理"}' \
      "$url/webhooks/rest/webhook" 2>/dev/null | grep -q '"plan_answer"'; do
    if ! running "$name"; then echo "error: $name stopped while starting; its log:" >&2; tail -n 40 "$RUN/$name.log" >&2; return 1; fi
    sleep 1; t=$((t + 1))
    if [ "$t" -ge "$limit" ]; then echo "error: $name did not answer a plan question within $limit s; see $RUN/$name.log" >&2; return 1; fi
  done
}

stop_one() {
  local name=$1
  if running "$name"; then
    local pid; pid=$(cat "$RUN/$name.pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "stopped $name"
  fi
  rm -f "$RUN/$name.pid"
}

case "${1:-}" in
  start)
    ENDPOINTS=endpoints.yml
    if [ "$REPLICAS" -gt 1 ]; then
      scripts/services.sh start
      # shellcheck disable=SC1091
      source "${SERVICES_DIR:-.run/services}/services.env"
      ENDPOINTS=endpoints.shared.yml
    elif [ "$ACTION_PORT" != 5055 ]; then
      sed "s#localhost:5055#localhost:$ACTION_PORT#" endpoints.yml >"$RUN/endpoints.yml"; ENDPOINTS=$RUN/endpoints.yml
    fi
    : >"$RUN/rasa.urls"; RASA_URLS=""
    for i in $(seq 1 "$REPLICAS"); do
      n=$([ "$i" = 1 ] || echo "$i"); aport=$((ACTION_PORT + i - 1)); rport=$((RASA_PORT + i - 1))
      start_one "actions$n" .venv/bin/python -m rasa_sdk --actions actions --port "$aport"
      ACTION_ENDPOINT_URL="http://localhost:$aport/webhook" start_one "rasa$n" .venv-rasa/bin/rasa run --enable-api \
        --auth-token "$OPERATOR_TOKEN" --cors "*" --port "$rport" --model models --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS"
      echo "http://localhost:$rport" >>"$RUN/rasa.urls"; RASA_URLS="$RASA_URLS${RASA_URLS:+,}http://localhost:$rport"
    done
    for i in $(seq 1 "$REPLICAS"); do
      n=$([ "$i" = 1 ] || echo "$i"); wait_for "actions$n" "http://localhost:$((ACTION_PORT + i - 1))/health" 120
    done
    start_one web env WEB_PORT="$WEB_PORT" RASA_URL="$RASA_URLS" .venv/bin/python scripts/web.py
    wait_for web "http://localhost:$WEB_PORT/health" 30
    for i in $(seq 1 "$REPLICAS"); do
      n=$([ "$i" = 1 ] || echo "$i"); wait_for "rasa$n" "http://localhost:$((RASA_PORT + i - 1))/status?token=$OPERATOR_TOKEN" 300
      wait_answered "rasa$n" "http://localhost:$((RASA_PORT + i - 1))" 300
    done
    echo "Assistant is up: REST webhook $(sed 's#$#/webhooks/rest/webhook#' "$RUN/rasa.urls" | paste -sd' ') (logs in $RUN/)"
    if [ "$CREDENTIALS" = credentials.wechat.yml ]; then echo "WeChat webhook: http://localhost:$RASA_PORT/webhooks/wechat/webhook"; fi
    echo "$TOKEN_NOTE"
    echo "打开 http://localhost:$WEB_PORT 开始对话"
    echo "运营后台 http://localhost:$WEB_PORT/admin（用运营令牌登录）"
    ;;
  stop)
    stop_one web
    for f in "$RUN"/rasa*.pid "$RUN"/actions*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
    rm -f "$RUN/rasa.urls"
    if [ -f "${SERVICES_DIR:-.run/services}/redis.pid" ] || [ -f "${SERVICES_DIR:-.run/services}/pg/postmaster.pid" ]; then
      scripts/services.sh stop
    fi
    ;;
  status)
    for f in "$RUN"/*.pid; do [ -e "$f" ] || continue; n=$(basename "$f" .pid)
      running "$n" && echo "$n running (pid $(cat "$f"))" || echo "$n stopped"; done
    [ -d "${SERVICES_DIR:-.run/services}/pg" ] && scripts/services.sh status || true
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
