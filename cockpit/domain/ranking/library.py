"""The schemes on disk: the shipped examples, then a city's own folder (a file of the same name replaces one).

A file that cannot be used is reported and, where the same scheme was read well before, its last good
version stays in use: an edit saved half-way must not take the ranking away from a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cockpit.domain.ranking.schemes import Scheme, SchemeError, parse_scheme

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "resources" / "schemes"
DEFAULT_SCHEME = "sanlv"


@dataclass(frozen=True)
class Library:
    schemes: dict[str, Scheme]  # by id, in file-name order
    errors: list[SchemeError] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # ids whose file failed and whose last good version is used

    def default(self) -> str | None:
        return DEFAULT_SCHEME if DEFAULT_SCHEME in self.schemes else next(iter(self.schemes), None)


def _files(dirs: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.glob("*.toml"))})
    return found


def read_library(city_dir: Path | None, last_good: dict[str, Scheme] | None = None) -> Library:
    """Every scheme of the shipped folder and `city_dir`; a broken file keeps its `last_good` version."""
    dirs = [SHIPPED_DIR] + ([city_dir] if city_dir is not None else [])
    schemes: dict[str, Scheme] = {}
    errors: list[SchemeError] = []
    kept: list[str] = []
    for scheme_id, path in _files(dirs).items():
        try:
            text = path.read_text(encoding="utf-8")
            schemes[scheme_id] = parse_scheme(text, str(path.name), scheme_id)
        except UnicodeDecodeError:
            errors.append(SchemeError(path.name, None, "", "文件应为 UTF-8 编码", "the file must be UTF-8"))
        except OSError as exc:
            errors.append(SchemeError(path.name, None, "", f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}"))
        except SchemeError as exc:
            errors.append(exc)
        else:
            continue
        if last_good and scheme_id in last_good:
            schemes[scheme_id] = last_good[scheme_id]
            kept.append(scheme_id)
    return Library(schemes=schemes, errors=errors, kept=kept)
