"""Shipped target descriptions (TOML files beside this module)."""

from pathlib import Path

from convc.errors import ConvcError

HERE = Path(__file__).parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.toml"))


def resolve(name_or_path: str) -> Path:
    """A target given by shipped name (`thetis`) or by path to a .toml file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConvcError(f"{path}: no such target file")
        return path
    shipped = HERE / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise ConvcError(f"unknown target '{name_or_path}' (shipped: {', '.join(available())}; or give a .toml path)")
    return shipped
