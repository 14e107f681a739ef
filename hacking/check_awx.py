"""Check the AWX/AAP credential types of ``docs/awx/`` against AWX's schema rules and against the collection itself.

* Fields use only the keys AWX accepts for custom credential types, with types ``string`` or ``boolean``, unique ids,
  and ``required`` naming existing fields; injector templates name only existing fields; env names do not start with
  ``ANSIBLE_`` (AWX drops them).
* The account type's env injectors are exactly the environment variables that the modules fall back to, read from
  ``connection_argument_spec()`` of the installed collection (ANSIBLE_COLLECTIONS_PATH), not copied by hand; a field
  injected into a ``no_log`` option is ``secret: true``, and its env name matches AWX's mask pattern.
* The app type's extra_vars injectors are inputs of the ``app_token`` role's argument spec; secret fields go to ``raw`` inputs.
"""

from __future__ import annotations

import os
import re
import sys
import typing as t
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIELD_KEYS = {"id", "label", "type", "help_text", "secret", "multiline", "format", "choices", "default", "ask_at_runtime"}
FIELD_TYPES = {"string", "boolean"}
INJECTOR_KINDS = {"env", "extra_vars", "file"}
AWX_MASK = re.compile(r"API|TOKEN|KEY|SECRET|PASS")
REFERENCE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def env_fallbacks() -> dict[str, tuple[str, bool]]:
    """{env name: (option, no_log)} from the modules' connection argument spec."""
    sys.path[:0] = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)
    from ansible_collections.oauthkit.github.plugins.module_utils._module import connection_argument_spec  # noqa: PLC0415

    found = {}
    for option, spec in connection_argument_spec().items():
        fallback = spec.get("fallback")
        if fallback:
            for name in fallback[1]:
                found[name] = (option, bool(spec.get("no_log")))
    return found


def schema_problems(name: str, doc: dict[str, t.Any]) -> list[str]:
    problems = []
    fields = doc["inputs"]["fields"]
    ids = [field.get("id") for field in fields]
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: field ids repeat: {ids}")
    for field in fields:
        if set(field) - FIELD_KEYS:
            problems.append(f"{name}: field {field.get('id')} uses keys AWX does not accept: {sorted(set(field) - FIELD_KEYS)}")
        if not field.get("id") or not field.get("label"):
            problems.append(f"{name}: every field needs an id and a label: {field}")
        if field.get("type", "string") not in FIELD_TYPES:
            problems.append(f"{name}: field {field.get('id')} has type {field.get('type')}, not one of {sorted(FIELD_TYPES)}")
    for required in doc["inputs"].get("required", []):
        if required not in ids:
            problems.append(f"{name}: required field {required} is not defined")
    return problems + injector_problems(name, doc["injectors"], ids)


def injector_problems(name: str, injectors: dict[str, t.Any], ids: list[str]) -> list[str]:
    problems = []
    if set(injectors) - INJECTOR_KINDS:
        problems.append(f"{name}: unknown injector kinds {sorted(set(injectors) - INJECTOR_KINDS)}")
    for kind, values in injectors.items():
        for key, template in values.items():
            for ref in REFERENCE.findall(str(template)):
                if ref not in ids:
                    problems.append(f"{name}: injector {kind}.{key} names {ref}, which is no field")
            if kind == "env" and key.startswith("ANSIBLE_"):
                problems.append(f"{name}: env injector {key} starts with ANSIBLE_, which AWX drops")
    return problems


def field_of(template: str) -> str:
    (ref,) = REFERENCE.findall(template)
    return ref


def account_problems(doc: dict[str, t.Any]) -> list[str]:
    name = "credential_type.yml"
    problems = []
    fallbacks = env_fallbacks()
    env = doc["injectors"].get("env", {})
    if set(env) != set(fallbacks):
        problems.append(f"{name}: env injectors {sorted(env)} differ from the modules' env fallbacks {sorted(fallbacks)}")
    secret = {field["id"]: bool(field.get("secret")) for field in doc["inputs"]["fields"]}
    for key, template in env.items():
        if key in fallbacks and fallbacks[key][1]:
            if not secret.get(field_of(template)):
                problems.append(f"{name}: {key} feeds the no_log option {fallbacks[key][0]}, but field {field_of(template)} is not secret")
            if not AWX_MASK.search(key):
                problems.append(f"{name}: {key} carries a secret, but AWX would not mask it ({AWX_MASK.pattern})")
    return problems


def app_problems(doc: dict[str, t.Any]) -> list[str]:
    name = "app_credential_type.yml"
    spec = yaml.safe_load((ROOT / "roles" / "app_token" / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    secret = {field["id"]: bool(field.get("secret")) for field in doc["inputs"]["fields"]}
    problems = []
    extra_vars = doc["injectors"].get("extra_vars", {})
    if not extra_vars:
        problems.append(f"{name}: no extra_vars injectors")
    for key, template in extra_vars.items():
        if key not in spec:
            problems.append(f"{name}: extra var {key} is no input of the app_token role")
        elif secret.get(field_of(template)) and spec[key].get("type") != "raw":
            problems.append(f"{name}: secret field {field_of(template)} goes to {key}, which the role's spec does not type raw")
    return problems


def main() -> int:
    docs = {name: yaml.safe_load((ROOT / "docs" / "awx" / name).read_text()) for name in ("credential_type.yml", "app_credential_type.yml")}
    problems = [problem for name, doc in docs.items() for problem in schema_problems(name, doc)]
    problems += account_problems(docs["credential_type.yml"])
    problems += app_problems(docs["app_credential_type.yml"])
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        env = sorted(docs["credential_type.yml"]["injectors"]["env"])
        print(f"credential types follow AWX's rules; env injectors = the modules' env fallbacks: {', '.join(env)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
