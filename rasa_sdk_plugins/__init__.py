"""rasa_sdk's plugin hook (rasa_sdk.plugin imports `rasa_sdk_plugins` and calls init_hooks): attach the
knowledge warm-up to the action server's start (actions/warmup.py). Found because the servers run from the
repository root (`python -m rasa_sdk --actions actions`)."""
from __future__ import annotations

import sys

import pluggy

hookimpl = pluggy.HookimplMarker("rasa_sdk")


@hookimpl
def attach_sanic_app_extensions(app) -> None:
    from actions.warmup import start_warm_up
    app.register_listener(start_warm_up, "after_server_start")


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(sys.modules[__name__])
