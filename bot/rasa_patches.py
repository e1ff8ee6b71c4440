"""Speed-ups for the Rasa server that keep its behaviour (Rasa 3.6; runs in .venv-rasa). Installed when Rasa
imports bot/channels/rest.py, the channel every credentials file mounts.

Custom-action responses: Rasa's RemoteAction._validate_action_result calls jsonschema.validate() on every
response of the action server, and validate() first checks the response schema itself against the JSON
Schema meta-schema, every time. The schema is a constant, and that self-check was a third of the Rasa server's
CPU under load (py-spy, 50 simulated citizens: bench/load_bench.py). Here the schema is checked once, at
import, and every response is still validated against it: same validator class, same error (best_match),
same message, same exception.
"""
from __future__ import annotations

import logging
from typing import Any

import rasa
from jsonschema import exceptions, validators
from rasa.core.actions.action import DOCS_BASE_URL, RemoteAction

logger = logging.getLogger(__name__)

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validators.validator_for(_SCHEMA)
_VALIDATOR_CLASS.check_schema(_SCHEMA)                 # once, instead of once per action response
_VALIDATOR = _VALIDATOR_CLASS(_SCHEMA)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result of Rasa 3.6 with the schema checked once."""
    error = exceptions.best_match(_VALIDATOR.iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Only on the Rasa line whose code this mirrors; elsewhere Rasa's own method stays."""
    if not rasa.__version__.startswith("3.6."):
        logger.warning("bot.rasa_patches: Rasa %s, not 3.6: action responses validated by Rasa's own code",
                       rasa.__version__)
        return
    RemoteAction._validate_action_result = validate_action_result
