"""The "how to cite" data, read from the repository's ``CITATION.cff``.

Only the fields the report shows are read (top-level scalars and the ``authors`` list), with a
small reader for that subset of YAML so the report needs no YAML library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CITATION_PATH", "read_citation", "citation_block"]

CITATION_PATH = Path(__file__).resolve().parents[1] / "CITATION.cff"


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_citation(path: str | Path = CITATION_PATH) -> dict[str, Any]:
    """Top-level scalar fields of a CFF file, plus ``authors`` as a list of dicts.

    Returns ``{}`` when the file is absent (an installed package without the repository).
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    data: dict[str, Any] = {}
    section = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" ") and not line.startswith("-"):
            key, _, value = line.partition(":")
            section = key.strip()
            if value.strip():
                data[section] = _scalar(value)
            continue
        if section != "authors":
            continue
        stripped = line.strip()
        if stripped.startswith("- "):
            data.setdefault("authors", []).append({})
            stripped = stripped[2:]
        key, _, value = stripped.partition(":")
        if data.get("authors") and value.strip():
            data["authors"][-1][key.strip()] = _scalar(value)
    return data


def _author_name(author: dict[str, str]) -> str:
    if "name" in author:
        return author["name"]
    return " ".join(p for p in (author.get("given-names"), author.get("family-names")) if p)


def citation_block(cff: dict[str, Any], ledger: dict[str, Any]) -> dict[str, str]:
    """A plain-text reference and a BibTeX entry for the report of ``ledger``."""
    env = ledger.get("environment") or {}
    title = cff.get("title", "Identity Landscapes: an executable appendix")
    authors = [_author_name(a) for a in cff.get("authors", [])] or ["the authors"]
    year = str(cff.get("date-released", ledger.get("created", "")))[:4]
    version = cff.get("version", "")
    commit = str(env.get("git_commit") or "")[:12]
    run = f"ledger of {str(ledger.get('created', ''))[:10]}, profile {ledger.get('profile', '?')}"
    parts = [", ".join(authors), f"({year})." if year else "", f"{title}.",
             f"Version {version}." if version else "", f"Commit {commit}." if commit else "",
             f"Report generated from the {run}."]
    text = " ".join(p for p in parts if p)
    if cff.get("doi"):
        text += f" doi:{cff['doi']}"
    bib_authors = " and ".join("{" + a + "}" if "name" in au else a
                               for a, au in zip(authors, cff.get("authors", [{}]), strict=False))
    fields = [("title", "{" + title + "}"), ("author", bib_authors or "{the authors}"),
              ("year", year), ("version", version),
              ("note", "Executable appendix" + (f"; commit {commit}" if commit else ""))]
    if cff.get("doi"):
        fields.append(("doi", cff["doi"]))
    if cff.get("repository-code"):
        fields.append(("url", cff["repository-code"]))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    bibtex = f"@software{{identity_landscapes_{year or 'nd'},\n{body}\n}}"
    return {"text": text, "bibtex": bibtex, "message": cff.get("message", ""),
            "license": cff.get("license", "")}
