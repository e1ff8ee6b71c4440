"""Check pinned requirements against a local copy of an OSV-format advisory database.

For machines where pip-audit's vulnerability services cannot be reached (see README, "Dependency audit"):
point it at a checkout of the PyPA advisory database (its `vulns/` folder, YAML) or at an unpacked OSV
PyPI export (JSON), and it prints the same columns pip-audit does:

    python scripts/audit_offline.py --db DIR requirements/knowledge.lock requirements/rasa.lock torch==2.13.0

Arguments are requirement files or single `name==version` pins. `--pypi-latest` also asks PyPI's project JSON
(the one PyPI endpoint that answers here) for the advisories it lists against the *latest* release, and uses
them for pins that are that latest release: current data for those pins, where the local copy may be old.
Exit status: 0 when nothing is found, 1 when something is (the Makefile's audit target ignores it: informative).
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


def read_pins(args: list[str]) -> dict[str, tuple[str, str]]:
    """{canonical name: (version, where)} from requirement files and name==version arguments."""
    pins: dict[str, tuple[str, str]] = {}
    for arg in args:
        lines = Path(arg).read_text().splitlines() if Path(arg).is_file() else [arg]
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-") or "==" not in line:
                continue
            name, version = line.split("==", 1)
            name = name.split("[", 1)[0].strip()
            pins[canonicalize_name(name) + "@" + arg] = (version.strip(), arg)
    return pins


def load_db(db: Path) -> dict[str, list[dict]]:
    """{canonical package name: [advisory, ...]} from *.yaml / *.json files under db."""
    by_pkg: dict[str, list[dict]] = {}
    for path in sorted(db.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        adv = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(adv, dict) or adv.get("withdrawn"):
            continue
        for aff in adv.get("affected", []):
            pkg = aff.get("package", {})
            if pkg.get("ecosystem") == "PyPI":
                by_pkg.setdefault(canonicalize_name(pkg["name"]), []).append(adv)
    return by_pkg


def affected(adv: dict, name: str, version: str) -> tuple[bool, list[str]]:
    """Whether version is affected by adv (OSV ECOSYSTEM ranges or explicit versions); the fixed versions."""
    try:
        v = Version(version)
    except InvalidVersion:
        return False, []
    hit, fixes = False, []
    for aff in adv.get("affected", []):
        if canonicalize_name(aff.get("package", {}).get("name", "")) != name:
            continue
        if version in [str(x) for x in aff.get("versions", [])]:
            hit = True
        for rng in aff.get("ranges", []):
            if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            start = None
            for ev in rng.get("events", []):
                if "introduced" in ev:
                    start = Version("0") if str(ev["introduced"]) == "0" else Version(str(ev["introduced"]))
                elif "fixed" in ev or "last_affected" in ev:
                    end = Version(str(ev.get("fixed", ev.get("last_affected"))))
                    if "fixed" in ev:
                        fixes.append(str(ev["fixed"]))
                    if start is not None and start <= v and (v < end if "fixed" in ev else v <= end):
                        hit = True
                    start = None
            if start is not None and start <= v:
                hit = True
    return hit, fixes


def pypi_latest(name: str) -> tuple[str, list[dict]] | None:
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as resp:
            data = json.load(resp)
    except OSError:
        return None
    return data["info"]["version"], data.get("vulnerabilities", [])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="folder of OSV-format advisories (YAML or JSON)")
    ap.add_argument("--pypi-latest", action="store_true", help="also use PyPI's advisories for latest-release pins")
    ap.add_argument("requirements", nargs="+")
    opts = ap.parse_args()

    db = load_db(opts.db)
    rows, counted, current, older = [], set(), 0, []
    for key, (version, where) in sorted(read_pins(opts.requirements).items()):
        name = key.split("@", 1)[0]
        found: dict[str, tuple[str, str]] = {}
        for adv in db.get(name, []):
            hit, fixes = affected(adv, name, version)
            if hit:
                later = sorted({f for f in fixes if Version(f) > Version(version)}, key=Version)
                alias = ",".join(a for a in adv.get("aliases", []) if a.startswith(("GHSA", "CVE")))
                found[adv["id"]] = (",".join(later[:1]), alias)
        latest = pypi_latest(name) if opts.pypi_latest else None
        if latest and latest[0] != version:
            older.append(f"{name}=={version} (latest {latest[0]})")
        if latest and latest[0] == version:
            current += 1
            for vuln in latest[1]:
                if not set([vuln["id"], *vuln.get("aliases", [])]) & set(found) and not vuln.get("withdrawn"):
                    later = sorted(vuln.get("fixed_in") or [], key=Version)
                    found[vuln["id"]] = (",".join(later[:1]), ",".join(vuln.get("aliases", [])) + " (PyPI, latest)")
        for vid, (fix, alias) in sorted(found.items()):
            rows.append((name, version, vid, fix, alias, where))
            counted.add((name, version))
    width = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(("Name", "Version", "ID", "Fix Versions"))]
    print(f"{'Name':{width[0]}} {'Version':{width[1]}} {'ID':{width[2]}} {'Fix Versions':{width[3]}} Aliases / file")
    for r in rows:
        print(f"{r[0]:{width[0]}} {r[1]:{width[1]}} {r[2]:{width[2]}} {r[3]:{width[3]}} {r[4]}  [{r[5]}]")
    if opts.pypi_latest:
        print(f"{current} pins are their project's latest release and were checked against PyPI's current advisories;"
              f" {len(older)} older pins only against the local database:", file=sys.stderr)
        print("  " + ", ".join(older), file=sys.stderr)
    print(f"Found {len(rows)} known vulnerabilities in {len(counted)} packages", file=sys.stderr)
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main())
