"""Builds labelled.jsonl from labelled.src.txt: [[TYPE|value]] marks become UTF-16 spans; marked numbers are checked.

Run from this folder: python3 make_set.py
"""
import json
import re
import sys
import unicodedata

from checks import corporate_valid, iban_valid, luhn_valid, my_number_valid

MARK = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]")
TYPES = {"EMAIL", "PHONE", "MY_NUMBER", "CORPORATE_NUMBER", "CREDIT_CARD", "POSTAL_CODE", "IP_ADDRESS", "IBAN",
         "DATE_OF_BIRTH", "URL_CREDENTIALS", "PERSON", "ADDRESS"}


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def digits(value):
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def check(kind, value, where):
    ok = {
        "MY_NUMBER": lambda: my_number_valid(digits(value)),
        "CORPORATE_NUMBER": lambda: corporate_valid(digits(value)),
        "CREDIT_CARD": lambda: luhn_valid(digits(value)),
        "IBAN": lambda: iban_valid(value.replace(" ", "")),
    }.get(kind, lambda: True)()
    if not ok:
        sys.exit(f"{where}: {kind} {value!r} fails its check digit")


def main():
    out = []
    for number, line in enumerate(open("labelled.src.txt", encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        lang, _, marked = line.partition("|")
        if lang not in ("ja", "en"):
            sys.exit(f"line {number}: starts with {lang!r}, not ja| or en|")
        marked = marked.replace("\\n", "\n")
        text, entities, at = "", [], 0
        for m in MARK.finditer(marked):
            kind, value = m.group(1), m.group(2)
            if kind not in TYPES:
                sys.exit(f"line {number}: unknown type {kind}")
            check(kind, value, f"line {number}")
            text += marked[at:m.start()]
            start = utf16_len(text)
            text += value
            entities.append({"type": kind, "start": start, "end": utf16_len(text)})
            at = m.end()
        text += marked[at:]
        if "[[" in text or "]]" in text:
            sys.exit(f"line {number}: a mark is not closed")
        out.append({"text": text, "lang": lang, "entities": entities})
    with open("labelled.jsonl", "w", encoding="utf-8") as f:
        for sample in out:
            f.write(json.dumps(sample, ensure_ascii=False) + "\n")
    counts = {}
    for sample in out:
        for e in sample["entities"]:
            counts[e["type"]] = counts.get(e["type"], 0) + 1
    negatives = sum(1 for s in out if not s["entities"])
    print(f"{len(out)} samples ({negatives} without entities):", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


main()
