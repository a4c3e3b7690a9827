#!/usr/bin/env python3
"""check-log.py SCHEMA [FILE ...]: validate feedd's JSON log lines against the log contract.

Reads JSON lines from each FILE (or stdin), validates every line against
SCHEMA (docs/log.schema.json, JSON Schema 2020-12, with the python-jsonschema
library), and prints one line per invalid line and a last line:
`checked N lines, M invalid; events: a b c`. Exit status 0 when every line is
valid, 1 otherwise, 2 for bad usage or a missing library (pip install jsonschema).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("check-log: the jsonschema library is missing: python3 -m pip install jsonschema (scripts/setup.sh does)", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    files = sys.argv[2:] or ["-"]
    checked, invalid, events = 0, 0, set()
    for name in files:
        stream = sys.stdin if name == "-" else open(name, encoding="utf-8")
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            checked += 1
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                invalid += 1
                print(f"{name}:{number}: not JSON: {e}: {line.strip()[:200]}")
                continue
            errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
            if errors:
                invalid += 1
                for e in errors:
                    where = "/".join(str(p) for p in e.path) or "(line)"
                    print(f"{name}:{number}: {where}: {e.message}: {line.strip()[:200]}")
            if isinstance(obj, dict) and "event" in obj:
                events.add(obj["event"])
    print(f"checked {checked} lines, {invalid} invalid; events: {' '.join(sorted(events))}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
