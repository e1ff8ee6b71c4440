"""bot/rasa_patches.py in the Rasa environment (.venv-rasa, a subprocess): importing bot.channels.rest installs it,
and the patched check of custom-action responses accepts and rejects exactly what Rasa's own code does, with
the same exception and message."""
from __future__ import annotations

import json
import os
import subprocess

from tests.servers import ROOT

SCRIPT = r"""
import copy, json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result
import bot.channels.rest
patched = RemoteAction._validate_action_result
action = RemoteAction("action_answer_plan", None)
cases = [
    {"events": [{"event": "slot", "timestamp": None, "name": "indicator", "value": "农村生活污水治理率"}],
     "responses": [{"text": "25.6%", "custom": {"type": "plan_answer", "confident": True}, "buttons": []}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot"}]},
    {"events": "x"},
    {"responses": [1]},
    {"events": [{"event": "nonsense_event"}]},
    {"events": [{"event": "action", "name": 3}]},
]
out = {"installed": patched is not original, "results": []}
for case in cases:
    seen = []
    for check in (original, patched):
        try:
            seen.append(["valid", check(action, copy.deepcopy(case))])
        except ValidationError as exc:
            seen.append(["ValidationError", exc.message])
    out["results"].append(seen)
print(json.dumps(out, ensure_ascii=False))
"""


def test_action_response_check_matches_rasa():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    proc = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["installed"]
    kinds = [original[0] for original, _ in out["results"]]
    assert kinds == ["valid"] * 3 + ["ValidationError"] * 5          # the cases cover both outcomes
    for original, patched in out["results"]:
        assert patched == original
