"""Line-numbered errors for the SLA policy file: where in ``config/sla.yaml`` a key stands, and a Russian
sentence naming the file, the line, the step and the field (``domain.sla.SlaPolicy.from_yaml`` uses it)."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError


class LineMap:
    """1-based line numbers of keys in a composed YAML document, by path of keys."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def _walk(self, path: tuple[Any, ...]) -> tuple[int | None, yaml.Node | None]:
        node = self.root
        line = (node.start_mark.line + 1) if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if str(k.value) == str(part):
                        line, node = k.start_mark.line + 1, v
                        break
                else:
                    return line, None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line, None
        return line, node

    def key(self, path: tuple[Any, ...]) -> int | str:
        line, _ = self._walk(path)
        return line if line is not None else "?"


def clean_message(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def explain(e: Exception, source: str, lines: LineMap, step: str) -> str:
    if isinstance(e, ValidationError):
        parts = []
        line: int | str = lines.key(("steps", step))
        for i, err in enumerate(e.errors()):
            loc = tuple(x for x in err["loc"] if x != "key")
            if i == 0 and loc:
                line = lines.key(("steps", step, *loc))
            field = ".".join(str(x) for x in loc)
            parts.append(f"{'поле ' + field + ': ' if field else ''}{clean_message(err['msg'])}")
        return f"{source}, строка {line}: шаг «{step}»: " + "; ".join(parts)
    return f"{source}, строка {lines.key(('steps', step))}: шаг «{step}»: {e}"
