"""Check the AWX/AAP example of ``docs/awx/`` against AWX's own rules and against the collection; apply its injectors as AWX does.

``check_awx.py`` checks:

* Both credential types follow AWX's schema for custom credential types (``CredentialTypeInputField`` and
  ``CredentialTypeInjectorField`` in awx/main/fields.py): the type's keys, kind ``cloud`` or ``net``; each field's keys
  and their types (``type`` string or boolean, ``choices``/``multiline``/``format``/``secret`` only on strings, a
  ``default`` of the field's type), ids that are variable names, unique, not ``tower``; ``required`` naming fields; injector
  kinds ``file``/``env``/``extra_vars`` with AWX's key patterns (``template`` or ``template.NAME``, never both), ASCII env
  values, no ``ANSIBLE_*`` env name nor one of AWX's ENV_BLOCKLIST; and every injector template renders the way AWX
  validates it (sandboxed, strict, fields and ``tower.filename[.NAME]`` as AWX defines them).
* The account type's env injectors are exactly the collection's own names, the first of ``_argspec.ENVIRONMENT`` (read from
  this checkout's plugins/module_utils/_argspec.py, never copied) for api_url, username, password and otp_secret, plus
  ca_path, which a ``file`` injector feeds: rendered as AWX renders a job's credential, OAUTHKIT_GITHUB_CA_PATH is the path
  of the file holding the CA certificate input (multiline, not secret). A field that feeds a ``no_log`` option is
  ``secret: true`` and its env name matches AWX's mask pattern; no other field is secret.
* Rendered as AWX renders them, the injectors give an environment that the modules' own validation (``_preflight.check``)
  accepts: with every input set (the seed normalised, the CA file used to verify TLS), and with the optional inputs left
  empty (AWX then injects empty strings: no seed, the system's CAs).
* The app type's extra vars are inputs of the app_token role (secret fields go to ``raw`` inputs); the job template runs
  docs/awx/app_token.yml with both credential types and gives every variable that playbook needs.

``check_awx.py inject --type FILE --inputs JSON --dir PRIVATE_DATA_DIR`` applies one credential type's injectors to inputs
exactly as AWX does for a job (``CredentialType.inject_credential``): file templates are written to files in
``PRIVATE_DATA_DIR/env`` (0600) whose paths ``tower.filename[.NAME]`` names, env templates are rendered, and extra vars are
written to a file (0400) passed as ``-e @FILE``; it prints ``{"env": {...}, "args": [...], "files": {...}}``.
hacking/runner_check.py and the ssh_custody integration target use it, so AWX's injection is modelled once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import stat
import sys
import tempfile
import typing as t
from pathlib import Path

import yaml
from jinja2 import StrictUndefined, sandbox
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

ROOT = Path(__file__).resolve().parent.parent
AWX = ROOT / "docs" / "awx"
TYPE_KEYS = {"name", "description", "kind", "inputs", "injectors"}
CUSTOM_KINDS = {"cloud", "net"}  # the kinds AWX accepts for a custom credential type
# CredentialTypeInputField's schema: every key a field may have, and the JSON type of its value.
FIELD_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "label": str,
    "type": str,
    "format": str,
    "choices": list,
    "help_text": str,
    "multiline": bool,
    "secret": bool,
    "ask_at_runtime": bool,
    "default": (str, bool),
}
FIELD_TYPES = {"string": str, "boolean": bool}
FIELD_FORMATS = {"ssh_private_key", "url"}
STRING_ONLY_KEYS = ("choices", "multiline", "format", "secret")
NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
FILE_KEY = re.compile(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$")
INJECTOR_KINDS = {"file", "env", "extra_vars"}
# awx/main/constants.py ENV_BLOCKLIST: names a credential may not inject.
ENV_BLOCKLIST = frozenset(
    {
        "VIRTUAL_ENV",
        "PATH",
        "PYTHONPATH",
        "JOB_ID",
        "INVENTORY_ID",
        "INVENTORY_SOURCE_ID",
        "INVENTORY_UPDATE_ID",
        "AD_HOC_COMMAND_ID",
        "REST_API_URL",
        "REST_API_TOKEN",
        "MAX_EVENT_RES",
        "CALLBACK_QUEUE",
        "CALLBACK_CONNECTION",
        "CACHE",
        "JOB_CALLBACK_DEBUG",
        "INVENTORY_HOSTVARS",
        "AWX_HOST",
        "PROJECT_REVISION",
        "SUPERVISOR_CONFIG_PATH",
    }
)
AWX_MASK = re.compile(r"API|TOKEN|KEY|SECRET|PASS")
REFERENCE = re.compile(r"\{\{\s*(\w+)")
# The account's options that AWX injects, in _argspec.ENVIRONMENT's terms; ca_path comes from a file injector.
ACCOUNT_OPTIONS = ("api_url", "username", "password", "otp_secret")
CA_OPTION = "ca_path"
# Test inputs for the rendering checks (nothing is sent anywhere).
SAMPLE_CA = "-----BEGIN CERTIFICATE-----\nMIIBsample\n-----END CERTIFICATE-----\n"
SAMPLE_ACCOUNT = {
    "api_url": "https://ghes.example.com/api/v3",
    "username": "octocat",
    "password": "correct horse battery staple",
    "otp_secret": "JBSW Y3DP EHPK 3PXP",
}
SAMPLE_APP = {"client_id": "0123456789abcdef0123", "client_secret": "0123456789abcdef0123456789abcdef01234567"}


def load(name: str) -> dict[str, t.Any]:
    return yaml.safe_load((AWX / name).read_text(encoding="utf-8"))


# --- AWX's injection ------------------------------------------------------------------------------------------------


class _Namespace:
    """AWX's ``tower`` namespace object (and ``tower.filename`` for several files)."""


def _namespace(cred_type: dict[str, t.Any], inputs: dict[str, t.Any]) -> dict[str, t.Any]:
    """AWX's template namespace: only inputs with a value (an empty or missing one renders as ''), missing booleans False."""
    namespace: dict[str, t.Any] = {"tower": _Namespace()}
    for name, value in inputs.items():
        if isinstance(value, bool) or (value is not None and len(value)):
            namespace[name] = value
    for field in cred_type["inputs"].get("fields", []):
        if field.get("type", "string") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
        if field.get("format") == "ssh_private_key" and field["id"] in namespace and not namespace[field["id"]].endswith("\n"):
            namespace[field["id"]] += "\n"
    return namespace


def _write(directory: Path, text: str, mode: int) -> str:
    handle, path = tempfile.mkstemp(dir=directory)
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.chmod(path, mode)
    return path


def inject(cred_type: dict[str, t.Any], inputs: dict[str, t.Any], private_data_dir: Path) -> dict[str, t.Any]:
    """Apply ``cred_type``'s injectors to a credential's ``inputs`` as AWX's ``CredentialType.inject_credential`` does.

    Each file template goes to its own file in ``private_data_dir/env`` (mode 0600), named in ``tower.filename`` (one
    ``template``) or ``tower.filename.NAME`` (``template.NAME``); env templates are rendered (a prohibited name is skipped,
    as AWX logs and skips it); extra vars go to a file (mode 0400) given to ansible-playbook as ``-e @FILE``.
    """
    env_dir = private_data_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    namespace = _namespace(cred_type, inputs)
    tower = namespace["tower"]
    jinja = sandbox.ImmutableSandboxedEnvironment()
    files: dict[str, str] = {}
    for label, template in cred_type["injectors"].get("file", {}).items():
        path = files[label] = _write(env_dir, jinja.from_string(template).render(**namespace), stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Namespace()
            setattr(tower.filename, label.split(".", 1)[1], path)
    env = {
        name: jinja.from_string(template).render(**namespace)
        for name, template in cred_type["injectors"].get("env", {}).items()
        if not name.startswith("ANSIBLE_") and name not in ENV_BLOCKLIST
    }
    extra_vars = {name: jinja.from_string(template).render(**namespace) for name, template in cred_type["injectors"].get("extra_vars", {}).items()}
    args = ["-e", "@" + _write(env_dir, yaml.safe_dump(extra_vars), stat.S_IRUSR)] if extra_vars else []
    return {"env": env, "args": args, "files": files}


# --- AWX's validation -----------------------------------------------------------------------------------------------


def field_problems(name: str, fields: t.Any) -> list[str]:
    if not isinstance(fields, list):
        return [f"{name}: inputs.fields must be a list"]
    problems = []
    seen: set[str] = set()
    for field in fields:
        if not isinstance(field, dict):
            problems.append(f"{name}: a field is not a mapping: {field!r}")
            continue
        ident = field.get("id")
        problems += [f"{name}: field {ident} uses the key {key}, which AWX does not accept" for key in sorted(set(field) - set(FIELD_KEYS))]
        problems += [
            f"{name}: field {ident}: {key} must be {FIELD_KEYS[key]}, not {type(value).__name__}"
            for key, value in field.items()
            if key in FIELD_KEYS and not isinstance(value, FIELD_KEYS[key])
        ]
        if not isinstance(ident, str) or not isinstance(field.get("label"), str):
            problems.append(f"{name}: every field needs an id and a label: {field}")
            continue
        if not NAME.match(ident):
            problems.append(f"{name}: field id {ident} is not a variable name")
        if ident == "tower":
            problems.append(f"{name}: 'tower' is a reserved field name")
        if ident in seen:
            problems.append(f"{name}: field id {ident} repeats")
        seen.add(ident)
        kind = field.get("type", "string")
        if kind not in FIELD_TYPES:
            problems.append(f"{name}: field {ident} has type {kind}, not one of {sorted(FIELD_TYPES)}")
            continue
        if "default" in field and not isinstance(field["default"], FIELD_TYPES[kind]):
            problems.append(f"{name}: the default of field {ident} is not a {kind}")
        if kind != "string":
            problems += [f"{name}: {key} is not allowed for the {kind} field {ident}" for key in STRING_ONLY_KEYS if key in field]
        if "format" in field and field["format"] not in FIELD_FORMATS:
            problems.append(f"{name}: field {ident} has format {field['format']}, not one of {sorted(FIELD_FORMATS)}")
        choices = field.get("choices")
        if choices is not None and (not choices or len(set(choices)) != len(choices) or not all(isinstance(c, str) for c in choices)):
            problems.append(f"{name}: the choices of field {ident} must be unique strings, at least one")
    return problems


def env_problems(name: str, values: dict[str, t.Any]) -> list[str]:
    problems = [f"{name}: env injector {key} starts with ANSIBLE_, which AWX refuses" for key in values if key.startswith("ANSIBLE_")]
    problems += [f"{name}: env injector {key} is in AWX's ENV_BLOCKLIST" for key in values if key in ENV_BLOCKLIST]
    return problems + [f"{name}: env injector {key} is not ASCII" for key, value in values.items() if isinstance(value, str) and not value.isascii()]


def injector_problems(name: str, injectors: t.Any, fields: list[dict[str, t.Any]]) -> list[str]:
    if not isinstance(injectors, dict):
        return [f"{name}: injectors must be a mapping"]
    problems = [f"{name}: unknown injector kind {kind}" for kind in sorted(set(injectors) - INJECTOR_KINDS)]
    for kind in INJECTOR_KINDS & set(injectors):
        values = injectors[kind]
        if not isinstance(values, dict):
            problems.append(f"{name}: injectors.{kind} must be a mapping")
            continue
        pattern = FILE_KEY if kind == "file" else NAME
        problems += [f"{name}: injectors.{kind} key {key} does not match {pattern.pattern}" for key in values if not pattern.match(key)]
        problems += [f"{name}: injectors.{kind}.{key} must be a string template" for key, value in values.items() if not isinstance(value, str)]
        if kind == "env":
            problems += env_problems(name, values)
    templates = list(injectors.get("file", {}))
    if "template" in templates and len(templates) > 1:
        problems.append(f"{name}: the single-file (template) and multi-file (template.NAME) syntax are mixed")
    return problems or render_problems(name, injectors, fields)


def render_problems(name: str, injectors: dict[str, t.Any], fields: list[dict[str, t.Any]]) -> list[str]:
    """Render every template as AWX validates them: each field 'EXAMPLE', ``tower.filename[.NAME]`` for the files defined."""
    problems = []
    templates = list(injectors.get("file", {}))
    namespace: dict[str, t.Any] = {field["id"]: "EXAMPLE" for field in fields}
    tower = _Namespace()
    if "template" in templates:
        tower.filename = "EXAMPLE_FILENAME"  # type: ignore[attr-defined]
    elif templates:
        tower.filename = _Namespace()  # type: ignore[attr-defined]
        for template in templates:
            setattr(tower.filename, template.split(".", 1)[1], "EXAMPLE_FILENAME")  # type: ignore[attr-defined]
    namespace["tower"] = tower
    jinja = sandbox.ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind, values in injectors.items():
        for key, template in values.items():
            try:
                jinja.from_string(template).render(namespace)
            except (UndefinedError, SecurityError, TemplateSyntaxError, AttributeError) as exc:
                problems.append(f"{name}: injectors.{kind}.{key} does not render as AWX validates it: {exc}")
    return problems


def schema_problems(name: str, doc: t.Any) -> list[str]:
    if not isinstance(doc, dict):
        return [f"{name}: not a mapping"]
    problems = [f"{name}: key {key} is not a field of AWX's credential types" for key in sorted(set(doc) - TYPE_KEYS)]
    if doc.get("kind") not in CUSTOM_KINDS:
        problems.append(f"{name}: kind {doc.get('kind')} is not one of {sorted(CUSTOM_KINDS)}, the kinds of a custom credential type")
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        problems.append(f"{name}: a credential type needs a name")
    inputs = doc.get("inputs")
    if not isinstance(inputs, dict) or set(inputs) - {"fields", "required"}:
        return [*problems, f"{name}: inputs must be a mapping of fields and required"]
    problems += field_problems(name, inputs.get("fields", []))
    fields = [field for field in inputs.get("fields", []) if isinstance(field, dict) and isinstance(field.get("id"), str)]
    ids = {field["id"] for field in fields}
    required = inputs.get("required", [])
    if not isinstance(required, list) or not all(isinstance(item, str) for item in required):
        problems.append(f"{name}: inputs.required must be a list of field ids")
    else:
        problems += [f"{name}: required field {item} is not defined" for item in required if item not in ids]
    return problems + injector_problems(name, doc.get("injectors", {}), fields)


# --- the collection -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def collection() -> t.Iterator[tuple[t.Any, t.Any]]:
    """This checkout's ``_argspec`` and ``_preflight``, imported as ``ansible_collections.oauthkit.github`` through a symlink."""
    with tempfile.TemporaryDirectory(prefix="check-awx-") as tmp:
        namespace = Path(tmp) / "ansible_collections" / "oauthkit"
        namespace.mkdir(parents=True)
        (namespace / "github").symlink_to(ROOT, target_is_directory=True)
        sys.path.insert(0, tmp)
        try:
            from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _preflight  # noqa: PLC0415

            yield _argspec, _preflight
        finally:
            sys.path.remove(tmp)


def field_of(template: str) -> str | None:
    refs = [ref for ref in REFERENCE.findall(template) if ref != "tower"]
    return refs[0] if len(refs) == 1 else None


def account_problems(doc: dict[str, t.Any], argspec: t.Any, preflight: t.Any) -> list[str]:
    name = "credential_type.yml"
    problems = []
    fields = {field["id"]: field for field in doc["inputs"]["fields"]}
    env = doc["injectors"].get("env", {})
    spec = argspec.connection()
    wanted = {argspec.ENVIRONMENT[option][0]: option for option in (*ACCOUNT_OPTIONS, CA_OPTION)}
    if set(env) != set(wanted):
        problems.append(f"{name}: env injectors {sorted(env)} are not the collection's own names {sorted(wanted)} (_argspec.ENVIRONMENT)")
    secret_fields = set()
    options_of = {name: option for option, names in argspec.ENVIRONMENT.items() for name in names}
    for key in env:
        option = options_of.get(key)
        if option is None or option == CA_OPTION:
            continue
        field = field_of(env[key])
        if field not in fields:
            problems.append(f"{name}: {key} must inject exactly one field, not {env[key]!r}")
            continue
        if spec[option].get("no_log"):
            secret_fields.add(field)
            if not AWX_MASK.search(key):
                problems.append(f"{name}: {key} carries a secret, but AWX would not mask it ({AWX_MASK.pattern})")
    for ident, field in fields.items():
        if bool(field.get("secret")) != (ident in secret_fields):
            problems.append(f"{name}: field {ident} must {'' if ident in secret_fields else 'not '}be secret: true")
    # The CA certificate: a multiline, non-secret field written by a file injector whose path feeds OAUTHKIT_GITHUB_CA_PATH.
    ca_key = argspec.ENVIRONMENT[CA_OPTION][0]
    file_injectors = doc["injectors"].get("file", {})
    ca_fields = [field_of(template) for label, template in file_injectors.items() if label.startswith("template.")]
    if len(ca_fields) != 1 or ca_fields[0] not in fields:
        return [*problems, f"{name}: one file injector template.NAME must write the CA certificate field, not {file_injectors}"]
    ca_field = fields[ca_fields[0]]
    if not ca_field.get("multiline") or ca_field.get("secret"):
        problems.append(f"{name}: the CA certificate field {ca_field['id']} must be multiline and not secret")
    if ca_field["id"] in doc["inputs"].get("required", []):
        problems.append(f"{name}: the CA certificate field {ca_field['id']} must be optional")
    if ca_key not in env:
        return problems
    problems += rendered_problems(doc, ca_field["id"], ca_key, preflight, argspec)
    return problems


def rendered_problems(doc: dict[str, t.Any], ca_field: str, ca_key: str, preflight: t.Any, argspec: t.Any) -> list[str]:
    """Inject as AWX does, with every input and with the optional ones empty, and let the modules' validation judge the result."""
    name = "credential_type.yml"
    problems = []
    args = {"client_id": SAMPLE_APP["client_id"], "client_secret": SAMPLE_APP["client_secret"], "token_path": "/etc/provisioner/github.token"}
    with tempfile.TemporaryDirectory(prefix="check-awx-") as tmp:
        full = inject(doc, {**SAMPLE_ACCOUNT, ca_field: SAMPLE_CA}, Path(tmp) / "full")
        ca_file = next(iter(full["files"].values()))
        expected = {argspec.ENVIRONMENT[option][0]: SAMPLE_ACCOUNT[option] for option in ACCOUNT_OPTIONS}
        expected[ca_key] = ca_file
        if full["env"] != expected:
            problems.append(f"{name}: rendered as AWX renders it, the env is {full['env']}, not {expected}")
        if Path(ca_file).read_text(encoding="utf-8") != SAMPLE_CA:
            problems.append(f"{name}: the file injector does not write the CA certificate as given")
        try:
            checked = preflight.check(args, argspec.authorization(), full["env"], module="oauthkit.github.authorization")
        except Exception as exc:
            problems.append(f"{name}: the modules refuse the env of a credential with every input: {exc!r}")
        else:
            if checked.connection.verify != ca_file or checked.connection.otp_secret != SAMPLE_ACCOUNT["otp_secret"].replace(" ", ""):
                problems.append(f"{name}: with every input, the modules do not use the CA file and the seed (verify={checked.connection.verify!r})")
        optional = {key: value for key, value in SAMPLE_ACCOUNT.items() if key != "otp_secret"}
        bare = inject(doc, optional, Path(tmp) / "bare")
        if bare["env"].get(ca_key) != "":
            problems.append(f"{name}: without a CA certificate, {ca_key} must render empty (the system's CAs), not {bare['env'].get(ca_key)!r}")
        try:
            checked = preflight.check(args, argspec.authorization(), bare["env"], module="oauthkit.github.authorization")
        except Exception as exc:
            problems.append(f"{name}: the modules refuse the env of a credential without seed and CA certificate: {exc!r}")
        else:
            if checked.connection.verify is not True or checked.connection.otp_secret is not None:
                problems.append(
                    f"{name}: without seed and CA, the modules do not use the system's CAs and no seed (verify={checked.connection.verify!r}, "
                    f"seed {'set' if checked.connection.otp_secret else 'unset'})"
                )
    return problems


def app_problems(doc: dict[str, t.Any]) -> list[str]:
    name = "app_credential_type.yml"
    spec = yaml.safe_load((ROOT / "roles" / "app_token" / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    secret = {field["id"]: bool(field.get("secret")) for field in doc["inputs"]["fields"]}
    problems = []
    extra_vars = doc["injectors"].get("extra_vars", {})
    if set(extra_vars) != {"app_token_client_id", "app_token_client_secret"}:
        problems.append(f"{name}: extra vars {sorted(extra_vars)} are not the app_token role's app_token_client_id and app_token_client_secret")
    for key, template in extra_vars.items():
        field = field_of(template)
        if key not in spec:
            problems.append(f"{name}: extra var {key} is no input of the app_token role")
        elif field is None or field not in secret:
            problems.append(f"{name}: extra var {key} must inject exactly one field")
        elif secret[field] and spec[key].get("type") != "raw":
            problems.append(f"{name}: secret field {field} goes to {key}, which the role's spec does not type raw")
    if not secret.get("client_secret"):
        problems.append(f"{name}: client_secret must be secret: true")
    return problems


def job_template_problems(job: dict[str, t.Any], types: dict[str, dict[str, t.Any]]) -> list[str]:
    name = "job_template.yml"
    problems = []
    playbook = AWX / str(job.get("playbook"))
    if not playbook.is_file():
        return [f"{name}: playbook {job.get('playbook')} is not in docs/awx"]
    text = playbook.read_text(encoding="utf-8")
    needed = set(re.findall(r"\{\{\s*(github_\w+)\s*\}\}", text))
    given = set(job.get("extra_vars") or {})
    problems += [f"{name}: {playbook.name} needs {var}, which extra_vars does not give" for var in sorted(needed - given)]
    comments = " ".join(line.split("#", 1)[1] for line in (AWX / name).read_text(encoding="utf-8").splitlines() if "#" in line)
    problems += [f"{name}: no credential of the type {doc['name']!r} is named" for doc in types.values() if doc["name"] not in comments]
    if "oauthkit.github.app_token" not in text or "hosts: all" not in text:
        problems.append(f"{name}: {playbook.name} must run the oauthkit.github.app_token role on hosts: all")
    return problems


def main() -> int:
    types = {name: load(name) for name in ("credential_type.yml", "app_credential_type.yml")}
    problems = [problem for name, doc in types.items() for problem in schema_problems(name, doc)]
    if not problems:
        with collection() as (argspec, preflight):
            problems += account_problems(types["credential_type.yml"], argspec, preflight)
        problems += app_problems(types["app_credential_type.yml"])
        problems += job_template_problems(load("job_template.yml"), types)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        env = sorted(types["credential_type.yml"]["injectors"]["env"])
        print(
            f"credential types follow AWX's rules; env injectors = the collection's names ({', '.join(env)}); "
            "the CA file injector feeds OAUTHKIT_GITHUB_CA_PATH; the injected env passes the modules' validation with and without the optional inputs"
        )
    return 1 if problems else 0


def inject_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="check_awx.py inject", description="apply a credential type's injectors as AWX does")
    parser.add_argument("--type", required=True, type=Path, help="the credential type's YAML file")
    parser.add_argument("--inputs", required=True, help="the credential's inputs, as JSON")
    parser.add_argument("--dir", required=True, type=Path, help="the job's private data dir (files go to DIR/env)")
    args = parser.parse_args(argv)
    cred_type = yaml.safe_load(args.type.read_text(encoding="utf-8"))
    print(json.dumps(inject(cred_type, json.loads(args.inputs), args.dir)))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["inject"]:
        sys.exit(inject_main(sys.argv[2:]))
    sys.exit(main())
