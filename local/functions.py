"""What template.yaml says about functions, routes, schedules and queue triggers, and how to invoke one
in-process. The template is the one source of truth: nothing here lists a route or schedule again.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.cfn_yaml import load_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    public: bool
    pattern: re.Pattern = field(compare=False, repr=False)
    param_names: tuple[str, ...] = ()

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method and self.method != "ANY":
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str
    expression: str
    enabled: bool = True


@dataclass(frozen=True)
class QueueTrigger:
    function: str
    queue_logical_id: str
    batch_size: int = 10


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, Any]

    @property
    def module_name(self) -> str:
        # Each function under its own name: two app.py files must never share a module object.
        return "fn_" + self.code_dir.name

    @property
    def short_name(self) -> str:
        return self.code_dir.name


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"]).split(".")[0]  # `!Ref Fn.Alias` (SAM's alias) names the function
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else str(target).split(".")[0]
    return None


def _path_pattern(path: str) -> tuple[re.Pattern, tuple[str, ...]]:
    names = tuple(re.findall(r"{([A-Za-z0-9_]+)\+?}", path))
    regex = re.sub(
        r"{([A-Za-z0-9_]+)}", r"(?P<\1>[^/]+)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
    )
    return re.compile(regex), names


class Template:
    def __init__(self, path: Path = TEMPLATE):
        self.path = path
        self.doc = load_template(path)
        self.resources: dict[str, dict] = self.doc.get("Resources", {})
        self.globals = self.doc.get("Globals", {}).get("Function", {})

    def parameter_default(self, name: str) -> Any:
        return self.doc.get("Parameters", {}).get(name, {}).get("Default")

    def functions(self) -> dict[str, FunctionSpec]:
        specs = {}
        global_env = (self.globals.get("Environment") or {}).get("Variables") or {}
        for logical_id, res in self.resources.items():
            if res.get("Type") != "AWS::Serverless::Function":
                continue
            props = res.get("Properties", {})
            code_uri = props.get("CodeUri")
            if not isinstance(code_uri, str):
                continue
            env = {**global_env, **((props.get("Environment") or {}).get("Variables") or {})}
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_dir=(ROOT / code_uri).resolve(),
                handler=props.get("Handler") or self.globals.get("Handler", "app.lambda_handler"),
                timeout=int(props.get("Timeout") or self.globals.get("Timeout", 3)),
                memory=int(props.get("MemorySize") or self.globals.get("MemorySize", 128)),
                environment=env,
            )
        return specs

    def _events(self, type_names: tuple[str, ...]):
        for logical_id, res in self.resources.items():
            if res.get("Type") != "AWS::Serverless::Function":
                continue
            for name, event in (res.get("Properties", {}).get("Events") or {}).items():
                if event.get("Type") in type_names:
                    yield logical_id, name, event.get("Properties", {})

    def routes(self) -> list[Route]:
        routes = []
        for logical_id, _, props in self._events(("Api",)):
            auth = props.get("Auth") or {}
            pattern, names = _path_pattern(props["Path"])
            routes.append(
                Route(
                    method=str(props["Method"]).upper(),
                    path=props["Path"],
                    function=logical_id,
                    public=auth.get("Authorizer") == "NONE",
                    pattern=pattern,
                    param_names=names,
                )
            )
        # Literal paths win over templated ones, as in API Gateway.
        routes.sort(key=lambda r: (len(r.param_names), -len(r.path)))
        return routes

    def schedules(self) -> list[Schedule]:
        found = []
        for logical_id, name, props in self._events(("Schedule", "ScheduleV2")):
            expression = props.get("Schedule") or props.get("ScheduleExpression")
            enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
            rule_name = (
                props.get("Name") if isinstance(props.get("Name"), str) else name
            )  # !Sub names are AWS-only
            found.append(
                Schedule(function=logical_id, name=rule_name, expression=expression, enabled=enabled)
            )
        return found

    def queue_triggers(self) -> list[QueueTrigger]:
        return [
            QueueTrigger(
                function=logical_id,
                queue_logical_id=_ref(props.get("Queue")) or "",
                batch_size=int(props.get("BatchSize", 10)),
            )
            for logical_id, _, props in self._events(("SQS",))
        ]

    def authorizer_function(self) -> str | None:
        for res in self.resources.values():
            if res.get("Type") != "AWS::Serverless::Api":
                continue
            auth = res.get("Properties", {}).get("Auth") or {}
            default = auth.get("DefaultAuthorizer")
            config = (auth.get("Authorizers") or {}).get(default) or {}
            return _ref(config.get("FunctionArn"))
        return None

    def binary_media_types(self) -> list[str]:
        for res in self.resources.values():
            if res.get("Type") == "AWS::Serverless::Api":
                types = res.get("Properties", {}).get("BinaryMediaTypes") or []
                return [t.replace("~1", "/") for t in types if isinstance(t, str)]
        return []


class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, spec: FunctionSpec):
        self.function_name = f"creditpilot-local-{spec.short_name}"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = spec.memory
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionLoader:
    """Imports each function's app.py once (per process) under its own module name."""

    def __init__(self, specs: dict[str, FunctionSpec]):
        self.specs = specs
        self._handlers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def by_short_name(self, name: str) -> FunctionSpec:
        for spec in self.specs.values():
            if name in (spec.short_name, spec.logical_id):
                return spec
        raise KeyError(
            f"no function named {name!r}; known: {', '.join(s.short_name for s in self.specs.values())}"
        )

    def handler(self, logical_id: str):
        with self._lock:
            if logical_id not in self._handlers:
                spec = self.specs[logical_id]
                module_file, _, attr = spec.handler.rpartition(".")
                path = spec.code_dir / (module_file.replace(".", "/") + ".py")
                module_spec = importlib.util.spec_from_file_location(spec.module_name, path)
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[spec.module_name] = module
                module_spec.loader.exec_module(module)
                self._handlers[logical_id] = getattr(module, attr)
            return self._handlers[logical_id]

    def invoke(self, logical_id: str, event: dict) -> Any:
        spec = self.specs[logical_id]
        return self.handler(logical_id)(event, LambdaContext(spec))
