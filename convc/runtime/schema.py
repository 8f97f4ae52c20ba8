"""Typed reading of one TOML table of a target file, with errors that name the key path.

Every key the runtime relies on is checked once, when the file is loaded, so a mistake is a
one-line `TargetError` naming the key (`cores[1].engines.imc.rows: expected a positive
integer, got 0`) instead of a KeyError deep inside the executor. Unknown keys are errors too:
a misspelt optional key would otherwise silently fall back to its default.
"""
from __future__ import annotations

from typing import Any

from .errors import TargetError

REQUIRED = object()  # default of a key that must be present


def describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


class Table:
    """One table at `path` ("" for the file itself). Read keys with the typed getters, then
    call `finish()` to reject the keys nobody asked for."""

    def __init__(self, raw: Any, path: str):
        if not isinstance(raw, dict):
            raise TargetError(f"{path}: expected a table, got {describe(raw)}")
        self.raw, self.path = raw, path
        self.read: set[str] = set()

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str):
        raise TargetError(f"{self.key_path(key)}: {message}")

    def _value(self, key: str, default: Any, want: str) -> Any:
        self.read.add(key)
        if key in self.raw:
            return self.raw[key]
        if default is REQUIRED:
            self.fail(key, f"missing; expected {want}")
        return default

    def integer(self, key: str, default: Any = REQUIRED, minimum: int = 1) -> int:
        want = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        value = self._value(key, default, want)
        # bool is a subclass of int, but `rows = true` is certainly a mistake.
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(key, f"expected {want}, got {describe(value)}")
        return value

    def number(self, key: str, default: Any = REQUIRED, allow_zero: bool = False) -> float:
        want = "a number >= 0" if allow_zero else "a positive number"
        value = self._value(key, default, want)
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not (value >= 0 if allow_zero else value > 0) or value != value):
            self.fail(key, f"expected {want}, got {describe(value)}")
        return value

    def string(self, key: str, default: Any = REQUIRED, choices: tuple[str, ...] = ()) -> str:
        value = self._value(key, default, "a string")
        if not isinstance(value, str) or not value:
            self.fail(key, f"expected a non-empty string, got {describe(value)}")
        if choices and value not in choices:
            self.fail(key, f"{value!r} is not supported (known: {', '.join(choices)})")
        return value

    def choices(self, key: str, allowed: tuple, default: Any = REQUIRED) -> tuple:
        """A non-empty list of distinct values, each one of `allowed` (ints or strings)."""
        want = f"a list of distinct values from {list(allowed)}"
        value = self._value(key, default, want)
        kind = type(allowed[0])
        if (not isinstance(value, (list, tuple)) or not value or len(set(value)) != len(value)
                or not all(type(v) is kind and v in allowed for v in value)):
            self.fail(key, f"expected {want}, got {describe(value)}")
        return tuple(value)

    def odd_integers(self, key: str, default: Any = REQUIRED) -> tuple[int, ...]:
        """A list (possibly empty) of distinct odd positive integers: kernel sizes."""
        want = "a list of distinct odd positive integers"
        value = self._value(key, default, want)
        if (not isinstance(value, (list, tuple)) or len(set(value)) != len(value)
                or not all(type(v) is int and v >= 1 and v % 2 for v in value)):
            self.fail(key, f"expected {want}, got {describe(value)}")
        return tuple(value)

    def table(self, key: str, default: Any = REQUIRED) -> Table | None:
        value = self._value(key, default, f"a table [{self.key_path(key)}]")
        return value if value is None else Table(value, self.key_path(key))

    def array_of_tables(self, key: str) -> list[Table]:
        value = self._value(key, [], f"an array of [[{self.key_path(key)}]] tables")
        if not isinstance(value, list):
            self.fail(key, f"expected an array of [[{self.key_path(key)}]] tables, got "
                           f"{describe(value)}")
        return [Table(item, f"{self.key_path(key)}[{i}]") for i, item in enumerate(value)]

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.read)
        if unknown:
            known = ", ".join(sorted(self.read)) or "none"
            self.fail(unknown[0], f"unknown key (known here: {known})")
