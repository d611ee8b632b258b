"""Dump CSV files cell by cell under Driftline's CSV rules (csv module).

usage: python3 test/reference/csv_cells.py [--categorical c1,c2] FILE...

Prints one JSON object: {FILE: {"header", "rows", "columns": {name: [kind, cells]}}
or {"error": message}}; see drift_reference.load_csv_cells.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drift_reference as ref  # noqa: E402


def main():
    args = sys.argv[1:]
    forced = ()
    if args and args[0] == "--categorical":
        forced = tuple(c for c in args[1].split(",") if c)
        args = args[2:]
    out = {}
    for path in args:
        try:
            header, rows, columns = ref.load_csv_cells(path, forced)
            out[path] = {"header": header, "rows": rows, "columns": columns}
        except Exception as err:  # noqa: BLE001 - reported to the test
            out[path] = {"error": str(err)}
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
