"""Checks every printed `mc` command line against mc's real commands and flags (`recovery_tui.mcflags`).

`check_command(line)` returns the problems of one printed line ([] = mc runs it as printed);
`extract_commands(text)` finds the mc commands inside a hint, a notice or a README; `problems_in_text(text)`
does both. Flags are parsed as Go's flag package and urfave/cli do: `-name` = `--name`, `--name value` or
`--name=value`, flags may follow the positional arguments. Pure: no I/O, no Textual.
"""

from __future__ import annotations

import re
import shlex
from typing import Optional

from recovery_tui.mcflags import COMMANDS, GLOBAL_FLAGS, GROUPS, TOP_LEVEL, Command


def _index() -> dict[tuple[str, ...], Command]:
    out: dict[tuple[str, ...], Command] = {}
    for c in COMMANDS:
        out[c.path] = c
        for a in c.aliases:
            out[a] = c
    return out


_BY_PATH = _index()


def lookup(words: list[str]) -> tuple[Optional[Command], int]:
    """The command named by the leading words (longest match) and how many words it took."""
    for n in range(min(4, len(words)), 0, -1):
        cmd = _BY_PATH.get(tuple(words[:n]))
        if cmd is not None:
            return cmd, n
    return None, 0


SHELL_SYNTAX = "\x00shell:"
"""Marks an unquoted `(`, `)`, `<` or `>`: a shell reads them as syntax, so a printed line must not carry them."""


def split_pipeline(line: str) -> list[list[str]]:
    """Shell words of each simple command in `line` (`;`, `&&`, `||`, `|` separate), quotes honoured."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lex.whitespace_split = True
    commands: list[list[str]] = [[]]
    for tok in lex:
        if tok and set(tok) <= set(";&|"):
            commands.append([])
        elif tok and set(tok) <= set("()<>"):
            commands[-1].append(SHELL_SYNTAX + tok)
        else:
            commands[-1].append(tok)
    return [c for c in commands if c]


def check_words(words: list[str]) -> list[str]:
    """Problems of one command given as shell words starting with `mc` ([] = valid)."""
    if not words or words[0] != "mc":
        return ["not an mc command"]
    rest = words[1:]
    # leading global flags (`mc --insecure ls …`)
    while rest and rest[0].startswith("-"):
        rest = rest[1:]
    cmd, n = lookup(rest)
    if cmd is None:
        stop = next((i for i, w in enumerate(rest) if w.startswith("-")), len(rest))
        head = tuple(rest[:min(stop, 3)])
        for k in range(len(head), 0, -1):
            if head[:k] in GROUPS:
                return [f"`mc {' '.join(head[:k])}` is a command group, not a command"
                        + (f" (no subcommand '{head[k]}')" if k < len(head) else "")]
        return [f"`mc {' '.join(head) or '(nothing)'}` is not an mc command"]
    problems: list[str] = [f"unquoted shell syntax '{w[len(SHELL_SYNTAX):]}' in the line"
                           for w in words if w.startswith(SHELL_SYNTAX)]
    flags = {name: f for f in cmd.flags + GLOBAL_FLAGS for name in f.names}
    seen: set[str] = set()
    positional: list[str] = []
    items = rest[n:]
    i = 0
    while i < len(items):
        w = items[i]
        if w == "--":
            positional.extend(items[i + 1:])
            break
        if w.startswith("-") and w != "-":
            name, eq, value = w.lstrip("-").partition("=")
            flag = flags.get(name)
            if flag is None:
                problems.append(f"mc {' '.join(cmd.path)} has no flag -{'-' if w.startswith('--') else ''}{name}")
                i += 1
                continue
            canonical = flag.names[0]
            seen.add(canonical)
            if flag.value and not eq:
                if i + 1 >= len(items):
                    problems.append(f"--{canonical} needs a value")
                    i += 1
                    continue
                value = items[i + 1]
                i += 1
            if flag.value and flag.check is not None:
                why = flag.check(value)
                if why:
                    problems.append(f"--{canonical}: {why}")
            i += 1
            continue
        positional.append(w)
        i += 1
    if "help" in seen:
        return problems  # `mc CMD --help` prints the command's help: no argument or required flag needed
    lo, hi = cmd.args
    if len(positional) < lo or (hi is not None and len(positional) > hi):
        want = f"{lo}" if hi == lo else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
        problems.append(f"mc {' '.join(cmd.path)} takes {want} argument(s), got {len(positional)}: {positional}")
    for arg in positional:
        why = cmd.arg_check(arg)
        if why:
            problems.append(why)
    for req in cmd.required:
        if req not in seen:
            problems.append(f"mc {' '.join(cmd.path)} needs --{req}")
    for flag_name, needed in cmd.needs.items():
        if flag_name in seen and needed not in seen:
            problems.append(f"--{flag_name} needs --{needed} (`--{needed} is a required flag`)")
    for w in words:
        if "…" in w or w in ("...", "..") or w.endswith("...") or w.startswith("<") or w.endswith(">"):
            problems.append(f"'{w}' is a literal placeholder mc would take as is")
    return problems


def check_command(line: str) -> list[str]:
    """Problems of a printed line holding one or more commands (`a | wc -l; b`): only the mc ones are checked."""
    try:
        parts = split_pipeline(line)
    except ValueError as exc:
        return [f"unbalanced quotes: {exc}"]
    problems: list[str] = []
    for words in parts:
        if words[0] == "mc":
            problems.extend(check_words(words))
    if not any(w[0] == "mc" for w in parts):
        problems.append("no mc command in the line")
    return problems


_RICH_TAG = re.compile(r"\[/?[a-z][a-z0-9 _#-]*\]")
"""A rich markup tag (`[b]`, `[/b]`, `[bold red]`) ends a command in prose."""

_START = re.compile(r"(?<![\w./-])mc (?=[a-z-])")


def extract_commands(text: str) -> list[str]:
    """The mc command lines inside prose (`… (mc replicate ls SRC/BUCKET), or …`, `` `mc ls x` ``).

    A command starts at `mc WORD` when WORD is a top-level mc command and ends at a backtick, a newline, an
    unquoted `(` / `)` that opens or closes prose, a shell separator (`;`, `|`, `&&`), two spaces, `, `, a rich
    tag (`[b]`, `[/b]`), or the end; trailing `.`, `,` and `:` are prose.
    """
    found: list[str] = []
    for m in _START.finditer(text):
        rest = text[m.end():]
        word = re.match(r"[a-z-]+", rest)
        if word is None or word.group(0) not in TOP_LEVEL:
            continue
        out, quote, depth = [], "", 0
        j = m.start()
        while j < len(text):
            ch = text[j]
            if quote:
                out.append(ch)
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
                out.append(ch)
            elif (ch in "`\n;|" or text.startswith("&&", j) or text.startswith("  ", j) or text.startswith(" — ", j)
                  or text.startswith(", ", j) or _RICH_TAG.match(text, j)):
                break
            elif ch == "(":
                break
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
                out.append(ch)
            else:
                out.append(ch)
            j += 1
        cmd = "".join(out).strip().rstrip(".,:").strip()
        found.append(cmd)
    return found


def is_mention(line: str) -> bool:
    """`mc stat`, `mc replicate add`: a real command named in prose, nothing to run as printed."""
    words = line.split()
    cmd, n = lookup(words[1:]) if words[:1] == ["mc"] else (None, 0)
    return cmd is not None and len(words) == n + 1


def problems_in_text(text: str) -> dict[str, list[str]]:
    """Every mc command found in `text` that mc would not run as printed, with its problems.

    A bare command name in prose (`… as mc stat would`) is a mention, not a command line, and passes when
    the command exists; anything with an argument or a flag must be runnable as printed.
    """
    out: dict[str, list[str]] = {}
    for cmd in extract_commands(text):
        if is_mention(cmd):
            continue
        p = check_command(cmd)
        if p:
            out[cmd] = p
    return out


__all__ = ["check_command", "check_words", "extract_commands", "is_mention", "lookup", "problems_in_text",
           "split_pipeline"]
