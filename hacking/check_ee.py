"""Check the collection's execution-environment metadata and the example EE of ``docs/ee/`` with ansible-builder, offline.

1. The collection's tarball is installed into a scratch collections path; ``ansible-builder introspect`` (which
   sanitizes the requirements it reads) must find requests, urllib3 and pyotp, from oauthkit.github, each at the minimum
   version that the action plugins check at run time (``MINIMUM_VERSIONS`` in ``plugins/plugin_utils/_action.py``).
2. ``ansible-builder create`` writes the build context of ``docs/ee/execution-environment.yml``, with the tarball the
   example names; the context must hold the Containerfile that copies it, the galaxy requirements, and the tarball, whose
   own ``meta/execution-environment.yml`` brings requests and pyotp (checked by introspecting the context's tarball).
No container engine is needed. Usage: ``check_ee.py TARBALL`` (what ``ansible-galaxy collection build`` made).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "ee"


def minimum_versions() -> dict[str, str]:
    """MINIMUM_VERSIONS of the action plugins, as requirement strings: {'requests': 'requests>=2.25', ...}."""
    tree = ast.parse((ROOT / "plugins" / "plugin_utils" / "_action.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MINIMUM_VERSIONS":
            versions = ast.literal_eval(node.value)
            return {name: f"{name}>={'.'.join(str(number) for number in version)}" for name, version in versions.items()}
    raise SystemExit("plugins/plugin_utils/_action.py has no MINIMUM_VERSIONS")


NEEDED = minimum_versions()
ORIGIN = "# from collection oauthkit.github"


def run(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def introspect(tarball: Path, scratch: Path) -> list[str]:
    """Install the tarball into a scratch collections path; the problems with what ansible-builder introspect finds there."""
    collections = scratch / "collections"
    # --force: the same version may be installed on ANSIBLE_COLLECTIONS_PATH already, which would make the install a no-op.
    run(["ansible-galaxy", "collection", "install", "--offline", "--force", "-p", str(collections), str(tarball)], scratch)
    pip = scratch / "pip.txt"
    if not (collections / "ansible_collections" / "oauthkit" / "github" / "MANIFEST.json").is_file():
        return [f"ansible-galaxy did not install {tarball.name} into {collections}"]
    # ansible-builder 3 always sanitizes (merges and dedupes, keeping the origin); --sanitize is still accepted.
    out = run(["ansible-builder", "introspect", "--sanitize", str(collections), "--write-pip", str(pip)], scratch)
    listed = (yaml.safe_load(out.split("---", 1)[-1]) or {}).get("python") or []
    problems = []
    for requirement in NEEDED.values():
        if not any(entry.replace(" ", "").startswith(requirement) and ORIGIN in entry for entry in listed):
            problems.append(f"introspect of {tarball.name}: '{requirement}  {ORIGIN}' is not among the Python requirements {listed}")
        if not any(line.replace(" ", "").startswith(requirement) and ORIGIN in line for line in pip.read_text().splitlines()):
            problems.append(f"introspect --write-pip of {tarball.name}: no line '{requirement} {ORIGIN}'")
    return problems


def main() -> int:
    tarball = Path(sys.argv[1]).resolve()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oauthkit-ee-") as tmp:
        scratch = Path(tmp)
        (scratch / "direct").mkdir()
        problems += introspect(tarball, scratch / "direct")

        ee = yaml.safe_load((EXAMPLE / "execution-environment.yml").read_text())
        (named,) = [entry["src"] for entry in ee["additional_build_files"]]
        if named != tarball.name:
            problems.append(f"docs/ee names {named}, but the collection builds {tarball.name}: update docs/ee")
        project = scratch / "ee"
        project.mkdir()
        for name in ("execution-environment.yml", "requirements.yml"):
            shutil.copy(EXAMPLE / name, project / name)
        shutil.copy(tarball, project / named)
        context = project / "context"
        create = ["ansible-builder", "create", "-f", "execution-environment.yml", "--context", str(context), "--output-filename", "Containerfile"]
        run(create, project)
        containerfile = (context / "Containerfile").read_text()
        for step in ee["additional_build_steps"]["prepend_galaxy"]:
            if step not in containerfile:
                problems.append(f"the Containerfile lacks the step {step!r}")
        galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
        wanted = [entry["name"] for entry in galaxy["collections"]]
        copy_to = ee["additional_build_steps"]["prepend_galaxy"][0].split()[-1]  # COPY _build/collections/ <where>
        if wanted != [f"{copy_to.rstrip('/')}/{named}"]:
            problems.append(f"the context's requirements.yml installs {wanted}, not the tarball copied to {copy_to}")
        copied = context / "_build" / "collections" / named
        if not copied.is_file():
            problems.append(f"the tarball is not in the build context ({copied})")
        else:
            with tarfile.open(copied) as archive:
                meta = yaml.safe_load(archive.extractfile("meta/execution-environment.yml").read())  # type: ignore[union-attr]
                python = archive.extractfile(meta["dependencies"]["python"]).read().decode()  # type: ignore[union-attr]
            for requirement in NEEDED.values():
                if requirement not in python.split():
                    problems.append(f"{meta['dependencies']['python']} in the context's tarball lacks {requirement}")
            (scratch / "context").mkdir()
            problems += introspect(copied, scratch / "context")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{tarball.name}: introspect finds {', '.join(NEEDED.values())} from oauthkit.github; ansible-builder create wrote a context with the tarball")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
