#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md's index of core/ is whole: every folder of core/ has a row
(`folder/`) and every file of it is named there (`name`, its header and source counted once).
Usage: check_architecture.py SOURCE_DIR"""
import os
import sys


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    with open(os.path.join(root, "docs", "ARCHITECTURE.md"), encoding="utf-8") as f:
        doc = f.read()
    core = os.path.join(root, "core")
    missing, named = [], 0
    for folder in sorted(os.listdir(core)):
        if not os.path.isdir(os.path.join(core, folder)):
            continue
        if f"`{folder}/`" not in doc:
            missing.append(f"core/{folder}/")
        stems = {os.path.splitext(name)[0] for name in os.listdir(os.path.join(core, folder))}
        for stem in sorted(stems):
            named += 1
            # A source without a header (live_process.cc) is named with its suffix.
            if f"`{stem}`" not in doc and f"`{stem}.cc`" not in doc and f"`{stem}.h`" not in doc:
                missing.append(f"core/{folder}/{stem}")
    if missing:
        print("docs/ARCHITECTURE.md does not name: " + ", ".join(missing), file=sys.stderr)
        return 1
    print(f"docs/ARCHITECTURE.md names every folder of core/ and its {named} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
