#!/usr/bin/env python3
"""Checks that README.md's troubleshooting tables cover every message vmcorefs can print. Usage:

    check_messages.py SOURCE_DIR

A message is any string literal passed to make_error, make_io_error, log_line, a function of
core/ or fs/ that returns an Error (found by its definition: usage_error, structure_error, ...),
pushed onto a list of warnings, or assigned to an error's message. Of each such call the longest
literal (trimmed of spaces and punctuation, at least 6 characters) must appear in the README's
"## Troubleshooting" section. So a new message fails this test until it is documented there.
"""
import glob
import os
import re
import sys

MIN_FRAGMENT = 6
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def mask_literals(src):
    """src with every string literal's contents blanked (so names inside strings do not match)
    and the literals, by position."""
    literals, out, pos = [], [], 0
    for m in LITERAL.finditer(src):
        out.append(src[pos:m.start() + 1])
        out.append(" " * (m.end() - m.start() - 2))
        out.append('"')
        literals.append((m.start(), m.group(1)))
        pos = m.end()
    out.append(src[pos:])
    return "".join(out), literals


def call_end(masked, start):
    """The index just past the parenthesis that closes the one opened before start."""
    depth, i = 1, start
    while depth and i < len(masked):
        depth += {"(": 1, ")": -1}.get(masked[i], 0)
        i += 1
    return i


def error_helpers(sources):
    names = {"make_error", "make_io_error", "log_line"}
    for src in sources.values():
        masked, _ = mask_literals(src)
        names.update(re.findall(r"^(?:static\s+)?Error\s+(?:\w+::)?(\w+)\s*\(", masked, re.M))
    return names


def unescape(text):
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), text)


def messages(path, src, names):
    """(line, fragment) for every message-making expression in src."""
    masked, literals = mask_literals(src)
    spans = []
    call = re.compile(r"\b(?:" + "|".join(sorted(names)) + r")\s*\(|warnings_?\s*\.\s*(?:push|emplace)_back\s*\(")
    for m in call.finditer(masked):
        spans.append((m.start(), call_end(masked, m.end())))
    for m in re.finditer(r"\bmessage\s*=[^=]", masked):
        spans.append((m.start(), masked.index(";", m.end())))
    for begin, end in spans:
        parts = [unescape(text).strip(" :;,()'\"") for at, text in literals if begin <= at < end]
        parts = [p for p in parts if len(p) >= MIN_FRAGMENT]
        if parts:
            yield src.count("\n", 0, begin) + 1, max(parts, key=len)


def troubleshooting(readme):
    m = re.search(r"^## Troubleshooting\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    return " ".join(m.group(1).split()) if m else ""


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    files = sorted(glob.glob(os.path.join(root, "core", "**", "*.cc"), recursive=True) +
                   glob.glob(os.path.join(root, "fs", "*.cc")))
    sources = {f: open(f, encoding="utf-8").read() for f in files}
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        table = troubleshooting(f.read())
    if not table:
        print("docs: README.md has no '## Troubleshooting' section", file=sys.stderr)
        return 1
    names = error_helpers(sources)
    # The parser must see a message made in each way the code makes them.
    probe = ('return make_error(ErrorCode::io, p, "probe one " + x);\n'
             'warnings.push_back("probe two, " + hex(at));\n'
             'e.message = "probe three " + e.message;\n'
             'return usage_error(std::string("probe four ") + argv[0]);\n')
    seen = [fragment for _, fragment in sorted(messages("probe", probe, names))]
    if seen != ["probe one", "probe two", "probe three", "probe four"]:
        print(f"docs: the message parser is broken: it found {seen} in {probe!r}",
              file=sys.stderr)
        return 1
    # Not messages for the user: --compare's report and --info -v's details.
    skip = {"vmcore_compare.cc", "note_diff.cc"}
    found, missing = 0, []
    for path, src in sources.items():
        if os.path.basename(path) in skip:
            continue
        for line, fragment in messages(path, src, names):
            found += 1
            if " ".join(fragment.split()) not in table:
                missing.append(f"{os.path.relpath(path, root)}:{line}: \"{fragment}\"")
    for m in missing:
        print(f"docs: not in README.md's troubleshooting tables: {m}", file=sys.stderr)
    if found < 100:
        print(f"docs: only {found} messages found in the code; is the parser broken?",
              file=sys.stderr)
        return 1
    if missing:
        return 1
    print(f"all {found} messages of core/ and fs/ are in README.md's troubleshooting tables "
          f"(helpers: {', '.join(sorted(names))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
