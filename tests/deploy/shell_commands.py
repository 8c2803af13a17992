"""The external commands a POSIX sh script calls, for checking them against the image that runs it.

A deliberately small reader of the scripts in deploy/ (their style: commands joined by `;`, `&&`,
`||`, `|`, inside `$(...)`, after if/until/while/case keywords; functions defined as `name() {`), not a
full shell parser: quoting, parameter expansions and heredoc bodies are blanked out first, so what is
left are command words and their plain arguments.
"""

from __future__ import annotations

import re
from pathlib import Path

SH_BUILTINS = {
    ":", ".", "[", "break", "cd", "continue", "echo", "eval", "exec", "exit", "export", "false", "getopts", "printf",
    "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type", "ulimit", "umask",
    "unset", "wait", "command", "local",
}
KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", "!"}
HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")
FUNCTION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{", re.M)
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _logical_lines(text: str) -> list[str]:
    out: list[str] = []
    lines = iter(text.replace("\\\n", " ").splitlines())
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        line = re.sub(r"(^|\s)#.*$", "", line)
        heredoc = HEREDOC.search(line)
        if heredoc:
            for body in lines:
                if body.strip() == heredoc.group(1):
                    break
            line = line[: heredoc.start()]
        out.append(line)
    return out


def _blank(line: str, subst: list[str]) -> str:
    line = re.sub(r"'[^']*'", " X ", line)
    while True:  # innermost command substitution first: its body is a command line of its own
        m = re.search(r"\$\((?!\()([^()]*)\)", line)
        if not m:
            break
        subst.append(m.group(1))
        line = line[: m.start()] + "X" + line[m.end():]
    line = re.sub(r"\$\(\([^()]*\)\)", "X", line)
    while "${" in line:
        new = re.sub(r"\$\{[^{}]*\}", "X", line)
        if new == line:
            break
        line = new
    line = re.sub(r'"[^"]*"', " X ", line)
    return line


def commands_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    functions = set(FUNCTION.findall(text))
    pending = _logical_lines(text)
    found: set[str] = set()
    while pending:
        subst: list[str] = []
        line = _blank(pending.pop(), subst)
        pending.extend(subst)
        line = re.sub(r"^\s*[^\s()]+\)", " ", line)  # a case pattern: `once)` or `change-me*|x)`
        line = FUNCTION.sub(" ", line)
        for segment in re.split(r"&&|\|\||;;|;|\||[{}()]", line):
            words = segment.split()
            if words[:1] in (["for"], ["case"]):  # `for NAME in …` / `case WORD in`: no command here
                continue
            while words and (words[0] in KEYWORDS or ASSIGNMENT.match(words[0])):
                words = words[1:]
            if words and words[0] in {"exec", "command"}:
                words = words[1:]
            if not words:
                continue
            word = words[0]
            if word in SH_BUILTINS or word in functions or word == "X" or word.startswith(("$", "-", ">", "<", "2>")):
                continue
            found.add(word)
    return found
