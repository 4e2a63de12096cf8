"""The scenario key reference, generated from the schema (one row per key)."""

from __future__ import annotations

import enum
import types
import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.scenario.schema import Channel, Scenario, Segment

__all__ = ["scenario_keys", "reference_markdown"]


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(_type_name(a) for a in args) + " (optional)"
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        return "table"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " / ".join(f"`{m.value}`" for m in annotation)
    return getattr(annotation, "__name__", str(annotation))


def _optional_table(annotation) -> type[BaseModel] | None:
    """The model of an ``X | None`` section, else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0]
    return None


def _constraints(field) -> str:
    parts = []
    for meta in field.metadata:
        for name, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            value = getattr(meta, name, None)
            if value is not None:
                parts.append(f"{symbol} {value:g}")
    annotation = field.annotation
    for arg in typing.get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            for name, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
                value = getattr(meta, name, None)
                if value is not None:
                    parts.append(f"{symbol} {value:g}")
    return ", ".join(dict.fromkeys(parts))


def scenario_keys(model: type[BaseModel] = Scenario, prefix: str = "") -> list[dict[str, str]]:
    """Every key of the scenario schema: dotted name, type, default, allowed values, meaning."""
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if typing.get_origin(annotation) is dict:
            value_type = typing.get_args(annotation)[1]
            placeholder = {Segment: "NAME", Channel: "NAME"}.get(value_type, "NAME")
            rows.append(
                {"key": key, "type": "table", "default": "required" if field.is_required() else "{}",
                 "allowed": "", "description": field.description or ""}
            )
            rows.extend(scenario_keys(value_type, f"{key}.{placeholder}."))
            continue
        if nested is not None and name != "plan":
            rows.extend(scenario_keys(nested, f"{key}."))
            continue
        optional = _optional_table(annotation)
        if optional is not None:  # a section that is off unless the scenario has it
            rows.append({"key": key, "type": "table (optional)", "default": "none", "allowed": "",
                         "description": field.description or ""})
            rows.extend(scenario_keys(optional, f"{key}."))
            continue
        if field.is_required():
            default = "required"
        elif field.default is PydanticUndefined or field.default is None:
            default = "none" if field.default is None else "(computed)"
        else:
            default = field.default.value if isinstance(field.default, enum.Enum) else field.default
            default = f"`{default}`"
        item = typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            rows.append({"key": key, "type": "list of tables", "default": default, "allowed": "",
                         "description": field.description or ""})
            rows.extend(scenario_keys(item, f"{key}[]."))
            continue
        rows.append(
            {"key": key, "type": _type_name(annotation), "default": str(default),
             "allowed": _constraints(field), "description": field.description or ""}
        )
    return rows


def reference_markdown() -> str:
    lines = [
        "# Scenario key reference",
        "",
        "Generated from the schema by `marketsim keys` (do not edit by hand; a test checks it).",
        "Rates are daily probabilities unless the name says otherwise; money is in USD.",
        "`NAME` stands for a segment or channel name of your choice (letters, digits, `_`).",
        "A scenario may start with `extends = \"other.toml\"` (a path relative to the file):",
        "the other file is read first and this file's keys replace its keys.",
        "",
        "| key | type | default | allowed | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in scenario_keys():
        lines.append(f"| `{row['key']}` | {row['type']} | {row['default']} | {row['allowed']} | {row['description']} |")
    return "\n".join(lines) + "\n"
