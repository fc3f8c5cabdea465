"""Request parameters: Stripe's bracket form encoding, checked against the stripe SDK's types.

The known parameters of each endpoint come from the installed `stripe` package's typed
params (e.g. `stripe.params.PaymentIntentCreateParams`), so the sandbox refuses exactly
what the SDK does not know, with Stripe's messages ("Received unknown parameter: x").
"""

from __future__ import annotations

import importlib
import re
import sys
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

import typing_extensions

from paygate.sandbox.errors import StripeError, invalid_request

Tree = dict[str, Any]

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Keys of the SDK's RequestOptions base class: they travel as headers, never as params.
_OPTION_KEYS = frozenset(
    {"api_key", "stripe_version", "stripe_account", "stripe_context",
     "max_network_retries", "idempotency_key", "content_type", "headers"}
)


def parse_form(pairs: Iterable[tuple[str, str]]) -> Tree:
    """`a[b][0]=x&c[]=y` -> {"a": {"b": {"0": "x"}}, "c": ["y"]}; indexes stay dict keys."""
    root: Tree = {}
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        path = [head] + (_SEGMENT.findall("[" + rest) if rest else [])
        node: Any = root
        for i, seg in enumerate(path):
            last = i == len(path) - 1
            nxt = None if last else path[i + 1]
            if isinstance(node, list):
                if last:
                    node.append(value)
                    break
                child: Any = [] if nxt == "" else {}
                node.append(child)
                node = child
                continue
            if last:
                node[seg] = value
                break
            if seg not in node or not isinstance(node[seg], dict | list):
                node[seg] = [] if nxt == "" else {}
            node = node[seg]
    return root


# ---- schema from the SDK's TypedDicts -------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    kind: str  # "str" | "int" | "bool" | "float"


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Obj:
    fields: dict[str, Any]
    required: frozenset[str]


@dataclass(frozen=True)
class MapOf:
    value: Any


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class OneOf:
    options: tuple[Any, ...]
    emptiable: bool


ANY = Scalar("any")


def _resolve(tp: Any, module: types.ModuleType) -> Any:
    if isinstance(tp, str):
        return _resolve(eval(tp, vars(module)), module)  # noqa: S307 - SDK's own annotations
    if isinstance(tp, typing.ForwardRef):
        return _resolve(tp.__forward_arg__, module)
    return tp


def _node(tp: Any, module: types.ModuleType, seen: dict[type, Obj]) -> Any:
    tp = _resolve(tp, module)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.NotRequired, typing.Required):
        return _node(args[0], module, seen)
    if tp is str:
        return Scalar("str")
    if tp is bool:
        return Scalar("bool")
    if tp is int:
        return Scalar("int")
    if tp is float:
        return Scalar("float")
    if origin is typing.Literal:
        return Enum(tuple(str(a).lower() if isinstance(a, bool) else str(a) for a in args))
    if origin in (Union, types.UnionType):
        literals = [a for a in args if typing.get_origin(a) is typing.Literal]
        others = [a for a in args if typing.get_origin(a) is not typing.Literal]
        lit_values = tuple(str(v) for a in literals for v in typing.get_args(a))
        emptiable = "" in lit_values
        lit_values = tuple(v for v in lit_values if v != "")
        # The SDK adds `|str` to enums for forward compatibility; Stripe itself refuses
        # values outside the enum, so the literals win over a bare str.
        opts: list[Any] = [Enum(lit_values)] if lit_values else []
        for a in others:
            if a is str and lit_values:
                continue
            if typing.get_origin(a) is not None and "UntypedStripeObject" in repr(a):
                continue
            opts.append(_node(a, module, seen))
        if len(opts) == 1 and not emptiable:
            return opts[0]
        return OneOf(tuple(opts), emptiable)
    if origin in (list, typing.List):  # noqa: UP006 - matching the SDK's typing.List
        return ListOf(_node(args[0], module, seen))
    if origin in (dict, typing.Dict):  # noqa: UP006
        return MapOf(_node(args[1], module, seen))
    if isinstance(tp, type) and typing_extensions.is_typeddict(tp):
        return _typeddict(tp, seen)
    return ANY


def _typeddict(cls: type, seen: dict[type, Obj]) -> Obj:
    if cls in seen:
        return seen[cls]
    module = sys.modules[cls.__module__]
    fields: dict[str, Any] = {}
    obj = Obj(fields, frozenset(getattr(cls, "__required_keys__", ())) - _OPTION_KEYS)
    seen[cls] = obj  # before recursing: some params nest themselves
    for name, ann in cls.__annotations__.items():
        if name in _OPTION_KEYS:
            continue
        fields[name] = _node(ann, module, seen)
    return obj


@cache
def schema(class_name: str) -> Obj:
    """The parameter schema of `stripe.params.<class_name>`."""
    mod = importlib.import_module("stripe.params")
    cls = getattr(mod, class_name)
    return _typeddict(cls, {})


def with_extra(base: Obj, **extra: Any) -> Obj:
    return Obj({**base.fields, **extra}, base.required)


# ---- validation ----------------------------------------------------------------------


def _path(parent: str, key: str) -> str:
    return f"{parent}[{key}]" if parent else key


def _describe_enum(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + ", or " + values[-1]


def _check(node: Any, value: Any, where: str) -> Any:
    if isinstance(node, OneOf):
        if value == "" and node.emptiable:
            return ""
        last: StripeError | None = None
        for opt in node.options:
            try:
                return _check(opt, value, where)
            except StripeError as exc:
                last = exc
        assert last is not None
        raise last
    if value == "" and not isinstance(node, Obj | MapOf):
        if isinstance(node, Scalar) and node.kind in ("str", "any"):
            return ""
        raise invalid_request(
            f"You passed an empty string for '{where}'. We assume empty values are an "
            f"attempt to unset a parameter; however '{where}' cannot be unset. You should "
            f"remove '{where}' from your request or supply a non-empty value.",
            param=where,
            code="parameter_invalid_empty",
        )
    if isinstance(node, Scalar):
        return _scalar(node.kind, value, where)
    if isinstance(node, Enum):
        if not isinstance(value, str) or value not in node.values:
            field = where.rsplit("[", 1)[-1].rstrip("]")
            raise invalid_request(
                f"Invalid {field}: must be one of {_describe_enum(node.values)}", param=where
            )
        if value in ("true", "false") and set(node.values) <= {"true", "false"}:
            return value == "true"
        return value
    if isinstance(node, ListOf):
        items: list[Any]
        if isinstance(value, list):
            items = value
        elif isinstance(value, dict) and all(k.isdigit() for k in value):
            items = [value[k] for k in sorted(value, key=int)]
        else:
            raise invalid_request("Invalid array", param=where)
        return [_check(node.item, v, f"{where}[{i}]") for i, v in enumerate(items)]
    if isinstance(node, MapOf):
        if value == "":
            return ""
        if not isinstance(value, dict):
            raise invalid_request("Invalid object", param=where)
        return {k: _check(node.value, v, _path(where, k)) for k, v in value.items()}
    if isinstance(node, Obj):
        if value == "":
            return ""
        if not isinstance(value, dict):
            raise invalid_request("Invalid object", param=where)
        return check_object(node, value, where)
    return value


def _scalar(kind: str, value: Any, where: str) -> Any:
    if kind == "any":
        return value
    if not isinstance(value, str):
        raise invalid_request(f"Invalid {kind_name(kind)}", param=where)
    if kind == "str":
        return value
    if kind == "int":
        if not re.fullmatch(r"-?\d{1,18}", value):
            raise invalid_request(
                f"Invalid integer: {value}", param=where, code="parameter_invalid_integer"
            )
        return int(value)
    if kind == "float":
        try:
            return float(value)
        except ValueError:
            raise invalid_request(f"Invalid decimal: {value}", param=where) from None
    if value not in ("true", "false"):
        raise invalid_request(f"Invalid boolean: {value}", param=where)
    return value == "true"


def kind_name(kind: str) -> str:
    return {"str": "string", "int": "integer", "bool": "boolean", "float": "decimal"}[kind]


def check_object(node: Obj, value: Tree, where: str = "") -> Tree:
    out: Tree = {}
    for key, raw in value.items():
        sub = node.fields.get(key)
        if sub is None:
            raise invalid_request(
                f"Received unknown parameter: {_path(where, key)}",
                param=_path(where, key),
                code="parameter_unknown",
            )
        out[key] = _check(sub, raw, _path(where, key))
    for key in sorted(node.required):
        if key not in out:
            raise invalid_request(
                f"Missing required param: {_path(where, key)}.",
                param=_path(where, key),
                code="parameter_missing",
            )
    return out


def validate(class_name: str, tree: Tree, **extra: Any) -> Tree:
    """Check `tree` against the SDK params class; returns typed values."""
    node = schema(class_name)
    if extra:
        node = with_extra(node, **extra)
    return check_object(node, tree)
