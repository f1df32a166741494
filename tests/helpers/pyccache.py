"""Rewrite the test modules' asserts once, in the xdist controller, instead of once in every worker.

pytest rewrites each test module's `assert`s (an AST pass, ~3.5 CPU-s over this suite) and keeps the result in a
`__pycache__/*-pytest-*.pyc` file, which it reads whenever it is there — but writes only when Python may write
bytecode. With PYTHONDONTWRITEBYTECODE set (this sandbox sets it globally, CI may too), or on a fresh checkout,
every one of the `-n` workers rewrites every module again: four workers, four times the work. Here the
controller, before it starts the workers, rewrites what is missing or out of date and writes it the way pytest
would (same format, same atomic rename), so the workers only read it; the helpers' plain `.pyc` files likewise.

pytest's rewrite internals are not a public API: when they are not as expected, this does nothing (the workers
rewrite as before). The outcome of no test depends on it.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path
from types import SimpleNamespace

import pytest


def prewrite(config: pytest.Config, tests: Path) -> int:
    """Rewrite and cache every test module and conftest under `tests` whose cached pyc is missing or stale;
    compile the helpers. Returns how many modules were rewritten (0 when pytest's internals differ)."""
    try:
        from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc, _rewrite_test, _write_pyc, get_cache_dir
    except ImportError:
        return 0
    if config.getoption("assertmode", "rewrite") != "rewrite":
        return 0
    state = SimpleNamespace(trace=lambda message: None)
    done = 0
    for fn in sorted(tests.rglob("*.py")):
        if not (fn.name.startswith("test_") or fn.name == "conftest.py"):
            continue
        cache = get_cache_dir(fn)
        pyc = cache / (fn.name[:-3] + PYC_TAIL)
        if _read_pyc(fn, pyc) is not None:
            continue
        try:
            os.makedirs(cache, exist_ok=True)
            stat, code = _rewrite_test(fn, config)
            _write_pyc(state, code, stat, pyc)  # type: ignore[arg-type]
        except (OSError, SyntaxError):
            continue  # the worker that imports it will rewrite it (or report the syntax error)
        done += 1
    compileall.compile_dir(str(tests / "helpers"), quiet=2)  # plain imports: py_compile writes regardless
    return done
