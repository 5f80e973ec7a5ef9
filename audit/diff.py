"""Before/after images of an audit entry turned into rows for a readable diff.

Values are returned as plain text plus a kind; the template escapes them (nothing here
produces HTML)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_ABSENT = object()


@dataclass(frozen=True)
class Value:
    text: str
    # "absent" (no image / no such key), "null", "empty" (""), "scalar", "text", "json"
    kind: str

    @property
    def is_block(self) -> bool:
        return self.kind == "json" or (self.kind == "text" and "\n" in self.text)


@dataclass(frozen=True)
class DiffRow:
    field: str
    before: Value
    after: Value
    changed: bool


def render_value(value: Any) -> Value:
    if value is _ABSENT:
        return Value("", "absent")
    if value is None:
        return Value("null", "null")
    if isinstance(value, str):
        return Value(value, "text") if value else Value('""', "empty")
    if isinstance(value, bool | int | float):
        return Value(json.dumps(value), "scalar")
    return Value(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True), "json")


def diff_rows(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    changed_fields: list[str] | None = None,
) -> tuple[list[DiffRow], list[DiffRow]]:
    """(changed rows, unchanged rows). For an UPDATE the changed rows are the fields
    that differ (the trigger's changed_fields, or recomputed); for an INSERT or a
    DELETE every field of the one image is a change."""
    before = before if isinstance(before, dict) else None
    after = after if isinstance(after, dict) else None
    keys = sorted(set(before or {}) | set(after or {}))
    if before is not None and after is not None:
        changed = set(changed_fields) if changed_fields else {k for k in keys if before.get(k) != after.get(k)}
    else:
        changed = set(keys)
    changed_rows: list[DiffRow] = []
    unchanged_rows: list[DiffRow] = []
    for key in keys:
        row = DiffRow(
            field=key,
            before=render_value(before.get(key, _ABSENT) if before is not None else _ABSENT),
            after=render_value(after.get(key, _ABSENT) if after is not None else _ABSENT),
            changed=key in changed,
        )
        (changed_rows if row.changed else unchanged_rows).append(row)
    return changed_rows, unchanged_rows
