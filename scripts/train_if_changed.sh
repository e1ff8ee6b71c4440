#!/usr/bin/env bash
# Train the Rasa model only when the training data, domain or config changed since the last training.
set -euo pipefail
cd "$(dirname "$0")/.."
export SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
stamp=models/.trained-from
inputs=$(find config.yml domain.yml bot/data knowledge/data/jieba -type f | sort)
hash=$(cat $inputs | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && ls models/*.tar.gz >/dev/null 2>&1; then
  echo "Rasa model is up to date."
  exit 0
fi
mkdir -p models
rm -f models/*.tar.gz
start=$(date +%s)
.venv-rasa/bin/rasa train --data bot/data --config config.yml --domain domain.yml --out models --fixed-model-name eco-assistant
echo "$hash" >"$stamp"
echo "Rasa model trained in $(( $(date +%s) - start )) s."
