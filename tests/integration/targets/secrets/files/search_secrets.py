# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Search the captured output of nested ansible-playbook runs for every secret, and print a report that holds none.

Usage: python search_secrets.py SPEC.json

SPEC.json (mode 0600, written by the secrets target):
  login           the GitHub login (not a secret; part of the Basic credentials)
  secrets         {name: value}: searched as they are (case-sensitive): passwords, client secrets, bad inputs...
  passwords       [names of ``secrets`` that are passwords]: their Basic credentials, base64("login:password"), are searched too
  otp_seeds       {name: value}: TOTP seeds in the form given to the module; their normalised forms are searched too
                  (case-insensitive, with and without spaces, and padded to 112 bits as the module does for pyotp)
  otp_seed        the seed of the codes that were sent (base32)
  hashed_tokens   every hashed_token the emulator stored (sha256 hex of each token it issued)
  token_files     [paths]: files that hold a token (token_path), searched for as they are
  runs            {name: {"files": [paths], "start": epoch seconds, "end": epoch seconds, "xml": false}}: the corpus of each run.
                  Files whose name ends in .xml are searched after XML entities are unescaped.
  catalog         {marker name: message template of the collection's catalog}: counted like the fixed MARKERS, by the
                  template's longest literal piece (without its {fields}, option names without their backticks)
  needles         {name: text}: texts that are no secrets (the messages of registered failures), counted in each run

The report, on stdout, is JSON: per run, the hit count of every secret name, of the two-factor codes of every 30-second step
from the run's start minus one step to its end plus one step, of the token files' tokens, and every 40-hex string found whose
sha256 is a stored hashed_token (a token), with how many of its occurrences sit in a ``"token": "..."`` field. Contexts of
hits are given with every secret replaced by <name>. No secret value is printed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import sys
from pathlib import Path

import pyotp

STEP = 30
PYOTP_MIN_BYTES = 14
CONTEXT = 60
MAX_CONTEXTS = 12
HEX40 = re.compile(r"(?<![0-9A-Fa-f])[0-9a-f]{40}(?![0-9A-Fa-f])")
MARKERS = {
    "no_log_parameter": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",
    "masked": "********",
    "censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result",
    "failure_422": "returned 422",
    "diff_drifted": "drifted by hand",
}


def literal_piece(template: str) -> str:
    """The longest piece of a catalog template that every message made from it shows as it is."""
    pieces = re.split(r"\{[^{}]*\}", template.replace("`", ""))
    return max(pieces, key=len).strip()


def seed_bytes(seed: str) -> bytes:
    cleaned = re.sub(r"[\s-]", "", seed).upper().rstrip("=")
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def seed_forms(seed: str) -> dict[str, str]:
    """The seed as given, its normalised form and, for a base32 seed, its spaced and padded forms (searched case-insensitively)."""
    cleaned = re.sub(r"[\s-]", "", seed).upper().rstrip("=")
    forms = {"as_given": seed, "normalised": cleaned}
    try:
        raw = seed_bytes(seed)
    except ValueError:
        return forms  # not base32: the module refuses it before any other use
    forms["spaced"] = " ".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))
    forms["padded"] = base64.b32encode(raw + b"\0" * max(0, PYOTP_MIN_BYTES - len(raw))).decode("ascii").rstrip("=")
    return forms


def otp_codes(seed: str, start: float, end: float) -> list[str]:
    """The codes of every step from the one before start to the one after end."""
    raw = seed_bytes(seed)
    totp = pyotp.TOTP(base64.b32encode(raw + b"\0" * max(0, PYOTP_MIN_BYTES - len(raw))).decode("ascii"))
    first, last = int(start // STEP) - 1, int(end // STEP) + 1
    return sorted({totp.at(step * STEP) for step in range(first, last + 1)})


def read_corpus(paths: list[str]) -> str:
    parts = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        parts.append(html.unescape(text) if path.endswith(".xml") else text)
    return "\n".join(parts)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    literal: dict[str, str] = dict(spec["secrets"])
    for name in spec.get("passwords", []):
        literal[f"{name}_basic"] = base64.b64encode(f"{spec['login']}:{spec['secrets'][name]}".encode()).decode("ascii")
    nocase: dict[str, str] = {}
    for name, seed in spec.get("otp_seeds", {}).items():
        for form, value in seed_forms(seed).items():
            nocase[f"{name}_{form}"] = value
    file_tokens = {Path(path).name: Path(path).read_text(encoding="ascii").strip() for path in spec.get("token_files", [])}
    hashed = set(spec["hashed_tokens"])

    patterns: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(re.escape(value))) for name, value in literal.items()]
    patterns += [(name, re.compile(re.escape(value), re.IGNORECASE)) for name, value in nocase.items()]
    patterns += [(f"file_token:{name}", re.compile(re.escape(value))) for name, value in file_tokens.items()]

    markers = {**MARKERS, **{name: literal_piece(template) for name, template in spec.get("catalog", {}).items()}}
    needles: dict[str, str] = spec.get("needles", {})
    report: dict[str, object] = {"secret_names": sorted(literal) + sorted(nocase), "token_files": sorted(file_tokens), "runs": {}}
    for run_name, run in spec["runs"].items():
        text = read_corpus(run["files"])
        codes = otp_codes(spec["otp_seed"], run["start"], run["end"])
        run_patterns = [*patterns, *((f"otp_code:{i}", re.compile(rf"(?<![0-9]){code}(?![0-9])")) for i, code in enumerate(codes))]
        tokens = {}
        for match in HEX40.finditer(text):
            digest = hashlib.sha256(match.group().encode("ascii")).hexdigest()
            if digest in hashed:
                tokens.setdefault(match.group(), digest)
        for i, token in enumerate(tokens):
            run_patterns.append((f"token:{i}", re.compile(re.escape(token))))

        hits: dict[str, int] = {}
        spans: list[tuple[int, int, str]] = []
        for name, pattern in run_patterns:
            found = [(m.start(), m.end(), name) for m in pattern.finditer(text)]
            hits[name] = len(found)
            spans += found

        def masked(start: int, end: int, text: str = text, run_patterns: list = run_patterns) -> str:
            snippet = text[max(0, start - CONTEXT) : end + CONTEXT]
            for name, pattern in run_patterns:
                snippet = pattern.sub(f"<{name}>", snippet)
            return snippet

        report["runs"][run_name] = {
            "bytes": len(text),
            "secret_hits": {name: hits[name] for name in report["secret_names"]},
            "file_token_hits": {name: hits[f"file_token:{name}"] for name in file_tokens},
            "otp": {"codes": len(codes), "hits": sum(count for name, count in hits.items() if name.startswith("otp_code:"))},
            "hex40": len(HEX40.findall(text)),
            "tokens": [
                {
                    "hashed_token": digest,
                    "count": hits[f"token:{i}"],
                    "in_token_field": len(re.findall(r'"token": "' + re.escape(token) + '"', text)),
                }
                for i, (token, digest) in enumerate(tokens.items())
            ],
            "markers": {name: text.count(marker) for name, marker in markers.items()},
            "needles": {name: text.count(needle) for name, needle in needles.items()},
            "contexts": [{"secret": name, "context": masked(start, end)} for start, end, name in sorted(spans)[:MAX_CONTEXTS]],
        }
    report["summary"] = {
        name: {
            "bytes": run["bytes"],
            "secrets_searched": len(run["secret_hits"]) + len(run["file_token_hits"]),
            "secret_hits": sum(run["secret_hits"].values()) + sum(run["file_token_hits"].values()),
            "otp_codes": run["otp"]["codes"],
            "otp_hits": run["otp"]["hits"],
            "tokens": [f"{token['count']} times, {token['in_token_field']} in a token field" for token in run["tokens"]],
        }
        for name, run in report["runs"].items()
    }
    json.dump(report, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
