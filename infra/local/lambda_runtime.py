"""Invoke the real handler modules in-process, one invocation at a time per function (as one Lambda
execution environment would), with a LambdaContext-like object."""

from __future__ import annotations

import abc
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
        self.timeout_seconds = definition.timeout_seconds
        self.handler: Handler = getattr(module, definition.handler)
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            # The template's timeout is what a function sees of its deadline; nothing stops it locally.
            return self.handler(event, LocalContext(self.name, timeout_seconds=self.timeout_seconds))


_invocation = threading.local()


class _PerThread:
    """An attribute with one value per thread, read and set on a class or on its instances."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        try:
            return getattr(_invocation, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: object, value: Any) -> None:
        setattr(_invocation, self.name, value)


class _PerThreadRouterType(abc.ABCMeta):
    current_event = _PerThread("current_event")
    lambda_context = _PerThread("lambda_context")


def isolate_event_handlers() -> None:
    """Powertools' event handler keeps the event it resolves in class attributes, `BaseRouter.current_event`
    and `.lambda_context`: one per process, which is right in Lambda (one invocation at a time per
    process) but not here, where every function shares one process and different functions run at the
    same time. One API function could then validate and serve its request with another's event: its
    body, headers (If-Match) and query. Here both attributes are one per thread; a thread runs one
    invocation at a time, as an execution environment does. Idempotent."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if type(BaseRouter) is _PerThreadRouterType:
        return
    for name in ("current_event", "lambda_context"):
        setattr(BaseRouter, name, _PerThread(name))  # read on instances: app.current_event
    # Set and read on the class (BaseRouter.current_event = ...): the metaclass's descriptors take those.
    BaseRouter.__class__ = _PerThreadRouterType  # type: ignore[method-assign,assignment]


def load_functions() -> dict[str, LocalFunction]:
    """Every function of template.yaml; import after the environment is set (models read it)."""
    isolate_event_handlers()
    return {name: LocalFunction(definition) for name, definition in template.functions().items()}
