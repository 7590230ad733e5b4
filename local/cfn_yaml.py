"""Load a CloudFormation/SAM YAML template into plain JSON-shaped Python values.

Short-form tags become their long form, as CloudFormation itself reads them: `!Ref X` -> {"Ref": "X"},
`!GetAtt A.B` -> {"Fn::GetAtt": ["A", "B"]}, `!Sub s` -> {"Fn::Sub": s}, `!Condition C` ->
{"Condition": "C"}, any other `!Name v` -> {"Fn::Name": v}. Used by the template tests and by the
local API Gateway emulation, so both read the template exactly the same way.

Differences from yaml.safe_load, on purpose: timestamps stay strings (CloudFormation has no date type,
e.g. AWSTemplateFormatVersion "2010-09-09"), and a key repeated in one mapping is an error instead of
silently keeping the last value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["load_template", "loads_template", "TemplateError"]


class TemplateError(ValueError):
    """The template is not valid YAML, or it repeats a key within one mapping."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader with CloudFormation's short-form intrinsic tags."""


# Dates are plain strings in CloudFormation: drop the implicit timestamp resolver for this loader only.
_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_node(loader: _CfnLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _intrinsic(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        # "A.B.C" -> ["A", "B.C"]: the attribute part may itself contain dots (Endpoint.Address).
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


def _construct_mapping(loader: _CfnLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged in with << may be overridden; only literal repeats are errors
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise TemplateError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        mapping[loader.construct_object(key_node, deep=True)] = loader.construct_object(value_node, deep=deep)
    return mapping


_CfnLoader.add_multi_constructor("!", _intrinsic)
_CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_CfnLoader.construct_mapping = _construct_mapping  # type: ignore[assignment,method-assign]


def loads_template(text: str) -> dict[str, Any]:
    """Parse template text; the top level must be a mapping."""
    try:
        doc = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass, only CFN tags added
    except yaml.YAMLError as exc:
        raise TemplateError(str(exc)) from exc
    if not isinstance(doc, dict):
        raise TemplateError("a template must be a mapping at the top level")
    return doc


def load_template(path: str | Path) -> dict[str, Any]:
    """Read and parse the template at `path`."""
    return loads_template(Path(path).read_text(encoding="utf-8"))
