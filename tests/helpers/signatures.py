"""Is a stand-in's method callable everywhere the real one is? (FakeService against RecoveryService.)"""

from __future__ import annotations

import inspect
from typing import Any, Callable

P = inspect.Parameter


def _params(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]


def incompatibilities(fake: Callable[..., Any], real: Callable[..., Any]) -> list[str]:
    """Why a call the real method accepts could fail on the fake, or return another type ([] when none)."""
    problems: list[str] = []
    fparams, rparams = _params(fake), _params(real)
    fby = {p.name: p for p in fparams}
    var_kw = any(p.kind is P.VAR_KEYWORD for p in fparams)
    var_pos = any(p.kind is P.VAR_POSITIONAL for p in fparams)
    fpos = [p for p in fparams if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    rpos = [p for p in rparams if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    for i, r in enumerate(rpos):
        f = fpos[i] if i < len(fpos) else None
        if f is None:
            if not var_pos:
                problems.append(f"positional parameter {i + 1} ({r.name}) not accepted")
            continue
        if f.name != r.name and not var_kw and r.kind is not P.POSITIONAL_ONLY:
            problems.append(f"parameter {i + 1} is {f.name!r}, the service's is {r.name!r}")
        if r.default is not P.empty and f.default is P.empty:
            problems.append(f"{r.name!r} is optional on the service, required on the fake")
    for r in rparams:
        if r.kind is P.KEYWORD_ONLY and r.name not in fby and not var_kw:
            problems.append(f"keyword {r.name!r} not accepted")
        if r.kind is P.KEYWORD_ONLY and r.name in fby and r.default is not P.empty and fby[r.name].default is P.empty:
            problems.append(f"{r.name!r} is optional on the service, required on the fake")
    rnames = {r.name for r in rparams}
    for f in fparams:
        if f.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) or f.default is not P.empty:
            continue
        if f.name not in rnames:
            problems.append(f"the fake requires {f.name!r}, which the service does not have")
    fret, rret = inspect.signature(fake).return_annotation, inspect.signature(real).return_annotation
    if rret is not inspect.Signature.empty and fret != rret:
        problems.append(f"returns {fret}, the service returns {rret}")
    return problems


def mismatches(fake_cls: type, real_cls: type) -> dict[str, list[str]]:
    """Every public method the fake defines, checked against the real class: name → problems."""
    out: dict[str, list[str]] = {}
    for name, fn in vars(fake_cls).items():
        if name.startswith("_") or not callable(fn):
            continue
        real = getattr(real_cls, name, None)
        if real is None or not callable(real):
            out[name] = ["RecoveryService has no such method"]
            continue
        problems = incompatibilities(fn, real)
        if problems:
            out[name] = problems
    return out
