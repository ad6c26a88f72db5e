"""Invoke the real handler modules in-process, one invocation at a time per function (as one Lambda
execution environment would), with a LambdaContext-like object."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra import template

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """What handlers read of the Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class LocalFunction:
    def __init__(self, definition: template.FunctionDefinition):
        relative = definition.module_path.relative_to(template.ROOT).with_suffix("")
        module = importlib.import_module(".".join(relative.parts))
        self.name = definition.name
        self.handler: Handler = getattr(module, definition.handler)
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            return self.handler(event, LocalContext(self.name))


def load_functions() -> dict[str, LocalFunction]:
    """Every function of template.yaml; import after the environment is set (models read it)."""
    return {name: LocalFunction(definition) for name, definition in template.functions().items()}
