#!/usr/bin/env python3
"""Checks that `vmcorefs --help` and the man page document the same command line: every option,
environment variable and exit status in one appears in the other. Usage:

    check_docs.py VMCOREFS MANPAGE

Options are read from the option column of --help (indented lines that start with "-": the text
before the description's run of spaces) and from the tag lines of the man page's .TP paragraphs;
environment variables from --help's "Environment:" section and the man page's ENVIRONMENT tags;
exit statuses from --help's "Exit status:" line and the man page's EXIT STATUS tags. Before
comparing, the script proves on the real texts that its parsers see a one-sided change: an option
dropped from the man page, and one added to --help, must each be reported.
"""
import re
import subprocess
import sys

OPTION = re.compile(r'(?:^|[\s",\[])(--[a-z][a-z0-9-]*|-[A-Za-z])(?=[\s=",\[\]]|$)')
ENV_VAR = re.compile(r'\b([A-Z][A-Z0-9_]{2,})\b')


def help_sections(text):
    """{section title: [lines]}; a section starts at an unindented line ending in ':'."""
    sections, current = {}, ""
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1]
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    return sections


def option_column(line):
    """The part of an indented help line before its description."""
    return re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]


def parse_help(text):
    options, env = set(), set()
    for title, lines in help_sections(text).items():
        for line in lines:
            if not line.startswith(" ") or not line.strip():
                continue
            column = option_column(line)
            if column.startswith("-"):
                options.update(OPTION.findall(column))
            elif title == "Environment":
                env.update(ENV_VAR.findall(column))
    status = set()
    m = re.search(r"^Exit status:(.*?)(?:\n\n|\Z)", text, re.M | re.S)
    if m:
        status = set(re.findall(r"\b(\d+) ", m.group(1)))
    return options, env, status


def man_tags(text):
    """(section, tag line) for every .TP paragraph, with man escapes for '-' undone."""
    section, tags, lines = "", [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            section = line[4:].strip().strip('"')
        elif line.startswith(".TP") and i + 1 < len(lines):
            tags.append((section, lines[i + 1].replace("\\-", "-").replace("\\fB", " ")
                         .replace("\\fI", " ").replace("\\fR", " ")))
    return tags


def parse_man(text):
    options, env, status = set(), set(), set()
    for section, tag in man_tags(text):
        tag = re.sub(r"^\.[A-Z]+\s*", "", tag)
        if section == "ENVIRONMENT":
            env.update(ENV_VAR.findall(tag))
        elif section == "EXIT STATUS":
            status.update(re.findall(r"^\s*(\d+)\s*$", tag))
        else:
            options.update(OPTION.findall(tag))
    return options, env, status


def differences(help_text, man_text):
    problems = []
    kinds = ("option", "environment variable", "exit status")
    for kind, in_help, in_man in zip(kinds, parse_help(help_text), parse_man(man_text)):
        for item in sorted(in_help - in_man):
            problems.append(f"{kind} {item} is in --help but not in the man page")
        for item in sorted(in_man - in_help):
            problems.append(f"{kind} {item} is in the man page but not in --help")
    return problems


def self_test(help_text, man_text):
    """The parsers must notice a change made to one side only."""
    options, env, status = parse_help(help_text)
    if len(options) < 10 or not env or len(status) < 3:
        return [f"--help parsed to too little: options {sorted(options)}, environment "
                f"{sorted(env)}, exit statuses {sorted(status)}"]
    failures = []
    dropped = re.sub(r"^\.TP\n\.BI \\-\\-cache\\-dir= DIR\n", ".PP\n", man_text, flags=re.M)
    if dropped == man_text:
        failures.append("self-test: no --cache-dir paragraph in the man page to drop")
    elif not any("--cache-dir" in p for p in differences(help_text, dropped)):
        failures.append("self-test: --cache-dir dropped from the man page went unnoticed")
    added = help_text.replace("Other:\n", "Other:\n  --frobnicate=N         new\n", 1)
    if not any("--frobnicate" in p for p in differences(added, man_text)):
        failures.append("self-test: --frobnicate added to --help only went unnoticed")
    return failures


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    help_text = subprocess.run([sys.argv[1], "--help"], check=True, capture_output=True,
                               text=True).stdout
    with open(sys.argv[2], encoding="utf-8") as f:
        man_text = f.read()
    problems = self_test(help_text, man_text) + differences(help_text, man_text)
    for p in problems:
        print(f"docs: {p}", file=sys.stderr)
    if problems:
        return 1
    options, env, status = parse_help(help_text)
    print(f"--help and {sys.argv[2]} agree: {len(options)} options ({' '.join(sorted(options))}), "
          f"environment {' '.join(sorted(env))}, exit statuses {' '.join(sorted(status))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
