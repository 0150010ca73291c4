"""YAML that remembers lines: the rules file parsed into mappings and lists that know where each key sits.

Place in the flow: the first step of load_rules(); every later check reports "file:line" from the `line` and
`lines` these nodes carry, so a council officer editing the file is told exactly where to look.
"""

from __future__ import annotations

from typing import Any

import yaml

from routing.rules_error import RulesError


class YamlMap(dict):
    """A mapping from the file; `line` is where it starts, `lines[key]` where each key is."""

    line: int = 1
    lines: dict[Any, int]


class YamlSeq(list):
    """A list from the file; `line` is where it starts, `lines[i]` where each item is."""

    line: int = 1
    lines: list[int]


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        self.faults: list[tuple[int, str]] = []


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    out = YamlMap()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int):
            loader.faults.append((line, "keys must be words or numbers, not a list or mapping"))
            continue
        if key in out:
            loader.faults.append((line, f"duplicate key {key!r} (first at line {out.lines[key]})"))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> YamlSeq:
    out = YamlSeq(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def parse(data: bytes, name: str) -> tuple[Any, list[tuple[int, str]]]:
    """The document and the structural faults found while building it (duplicate keys, complex keys), as
    (line, message). Unparseable YAML raises RulesError at once: nothing further can be checked."""
    try:
        loader = _Loader(data)  # the reader rejects control characters here, before parsing starts
        doc = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RulesError([f"{name}:{mark.line + 1}: not valid YAML: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:
        raise RulesError([f"{name}:1: not valid YAML: {exc}"]) from exc
    return doc, loader.faults
