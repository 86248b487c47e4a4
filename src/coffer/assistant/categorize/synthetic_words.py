"""Words the synthetic statement lines are built from, read once from the packaged data file
``coffer/assistant/data/synthetic_words.txt``.

``CATEGORY_WORDS``: shop-type words per detailed category, in many languages, that real
merchants put in their names ("Pizzeria", "Apotheke", "超市"), separated by ``|``. ``NAMES``:
name parts per split and script (train and held-out are disjoint). ``HELDOUT_BRANDS``: real
brands used only in the held-out set (never in the dictionary nor in the training data).
"""

from __future__ import annotations

from importlib import resources


def _read() -> tuple[dict[str, str], dict[str, dict[str, list[str]]], dict[str, str]]:
    text = resources.files("coffer.assistant.data").joinpath("synthetic_words.txt")
    words: dict[str, str] = {}
    names: dict[str, dict[str, list[str]]] = {}
    brands: dict[str, str] = {}
    current: list[str] = []
    section = ("", "")
    for line in text.read_text("utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("[") and line.endswith("]"):
            kind, *key = line[1:-1].split(" ")
            current = []
            if kind == "words":
                words[key[0]] = ""
            elif kind == "heldout_brands":
                brands[key[0]] = ""
            elif kind == "names":
                names.setdefault(key[0], {})[key[1]] = current
            else:
                raise ValueError(f"synthetic_words.txt: unknown section {line}")
            section = (kind, key[0])
            continue
        if section[0] == "names":
            current.append(line)
        else:
            target = words if section[0] == "words" else brands
            target[section[1]] = line
    return words, names, brands


CATEGORY_WORDS, NAMES, HELDOUT_BRANDS = _read()
