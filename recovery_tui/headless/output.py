"""Output for the headless commands: rich for people, JSON for machines, progress bars on a terminal only.

Results go to stdout; progress and warnings go to stderr, so `--json` output (and a human report
piped into a file) is never mixed with a progress bar. Every text passes through `redact`.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Optional

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.live import Live
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TimeElapsedColumn, TimeRemainingColumn
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from recovery_tui.service.secrets import redact


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class ProgressLine(ProgressColumn):
    """Everything after the spinner, fitted to the terminal's width at each refresh: the description, the bar
    (with a total, from 100 columns), the counts (`info`), the rate (rich's own estimate over the last 30 s of
    updates, e.g. `1,234 versions/s`), the elapsed time and, with a total, the ETA. The rate and the ETA always
    show; when the line is too long the description gives way first (cut with an ellipsis, left out below 8
    cells: the command says what runs), then the elapsed time, then the counts are cut. (Rich's own columns
    shrink all at once: at 80 columns `validate`'s rate and elapsed time were cut to `31,234 …` and `0:0…`.)"""

    BAR = 12
    """The bar's width; it is left out below 100 columns (the counts and the ETA say as much)."""

    def __init__(self, console: Console, unit: str) -> None:
        super().__init__()
        self.console, self.unit = console, unit
        self._elapsed, self._left = TimeElapsedColumn(), TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        rate = f"- {self.unit}/s" if speed is None else f"{speed:,.0f} {self.unit}/s"
        rate_t = Text.assemble(" · ", (rate, "progress.data.speed"))
        eta = Text.assemble(" ETA ", self._left.render(task)) if task.total is not None else Text()
        bar = task.total is not None and self.console.width >= 100
        room = self.console.width - 3 - rate_t.cell_len - eta.cell_len - (self.BAR + 1 if bar else 0)
        # (the spinner, its space and a spare cell)
        desc, info = Text(task.description, style="bold"), Text(str(task.fields.get("info", "")))
        elapsed = Text.assemble(" ", self._elapsed.render(task))
        need = info.cell_len + elapsed.cell_len
        if desc.cell_len + 1 + need > room:
            if room - need - 1 < 8:  # (not a stub like "Co…")
                desc = Text()
            else:
                desc.truncate(room - need - 1, overflow="ellipsis")
        room -= desc.cell_len + 1 if desc else 0
        if need > room:
            elapsed = Text()
        info.truncate(max(1, room - elapsed.cell_len), overflow="ellipsis")
        line = Text()
        for part in (desc, self._bar(task) if bar else Text(), info):
            if part:
                line.append(" " if line else "")
                line.append_text(part)
        for part in (rate_t, elapsed, eta):
            line.append_text(part)
        line.truncate(max(1, self.console.width - 3))
        return line

    def _bar(self, task: Task) -> Text:
        done = round(self.BAR * min(1.0, task.completed / task.total)) if task.total else self.BAR
        return Text.assemble(("━" * done, "bar.finished" if task.finished else "bar.complete"),
                             ("━" * (self.BAR - done), "bar.back"))


class Output:
    """One command's output channel."""

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self.out = Console(soft_wrap=True, highlight=False)
        """stdout: tables and summaries."""
        self.err = Console(stderr=True, soft_wrap=True, highlight=False)
        """stderr: progress bars, notices and warnings."""

    @property
    def interactive(self) -> bool:
        """True when a progress bar may be drawn (a terminal on stderr, not --json)."""
        return not self.json_mode and self.err.is_terminal

    def json(self, doc: Any) -> None:
        """Print `doc` as JSON on stdout (secrets redacted)."""
        sys.stdout.write(redact(json.dumps(doc, indent=2, ensure_ascii=False, default=_default)) + "\n")
        sys.stdout.flush()

    def json_with_list(self, doc: dict[str, Any], key: str, rows: Iterable[Any]) -> None:
        """`json({**doc, key: list(rows)})`, byte for byte, without holding the rows: they are written one by one
        where the list goes (e.g. a dry run's million versions, read back from disk)."""
        head = json.dumps({**doc, key: []}, indent=2, ensure_ascii=False, default=_default)
        mark = f"\n  {json.dumps(key, ensure_ascii=False)}: []"  # a top-level key: only those are indented by 2
        at = head.index(mark) + len(mark) - 1
        sep, rest = head[:at] + "\n    ", head  # no row: `head` as it is
        for row in rows:
            sys.stdout.write(redact(sep + json.dumps(row, indent=2, ensure_ascii=False, default=_default)
                                    .replace("\n", "\n    ")))
            sep, rest = ",\n    ", "\n  " + head[at:]
        sys.stdout.write(redact(rest) + "\n")
        sys.stdout.flush()

    def print(self, *objects: Any, **kw: Any) -> None:
        """Human output on stdout (nothing in --json mode)."""
        if not self.json_mode:
            self.out.print(*(redact(o) if isinstance(o, str) else o for o in objects), **kw)

    def settle(self) -> None:
        """Put back a console that an interrupt left buffering. rich's print is not signal-safe: a
        KeyboardInterrupt (Ctrl+C, or SIGHUP/SIGTERM as `exits.headless_signals` raises them) that lands between
        `Console.__enter__` and `__exit__`'s bookkeeping leaves the console's buffer open in this thread, and every
        later print (the "run the same command again" notice, a live view's last frame and the escape that shows
        the cursor again) is buffered and never written (measured: 1 interrupt in ~70 of a printing loop; it
        failed CI once). Called on the way out of a live view and before a notice printed after an interrupt;
        what was buffered is written with the next print."""
        for console in (self.out, self.err):
            if getattr(console, "_buffer_index", 0) > 0:
                console._buffer_index = 0

    @contextmanager
    def live(self, renderable: RenderableType = "",
             whole: Optional[Callable[[], Optional[RenderableType]]] = None) -> Iterator[Optional[Live]]:
        """A transient live view on stderr when it is a terminal (None otherwise), stopped on the way out --
        after `settle`, so an interrupt mid-print cannot keep the terminal's cursor hidden.

        A transient view is erased as it stops, and it may have been cut to the terminal's height (`Fit`): when a
        signal (KeyboardInterrupt) ends it, `whole()` -- what it showed, uncut, or None -- is printed in its
        place, on stdout as a command's final table is, so the operator sees where everything stood. Nothing is
        raised when the terminal is gone (after a hangup the checkpoint and the journal still say it)."""
        if not self.interactive:
            yield None
            return
        view = _FitLive(renderable, console=self.err, transient=True)
        view.start()
        try:
            yield view
        except KeyboardInterrupt:
            last = whole() if whole is not None else None
            if last is not None:
                try:
                    self.settle()
                    view.stop()
                    self.print(last)
                except OSError:
                    pass
            raise
        finally:
            self.settle()
            view.stop()

    def interrupted(self, text: str) -> None:
        """The last notice of a command a signal ends ("interrupted: " + `text`): `settle` first (the interrupt
        may have landed inside a print), and nothing raised when the terminal is gone (after a hangup the
        checkpoint and the journal still say it)."""
        try:
            self.settle()
            self.notice(f"interrupted: {text}")
        except OSError:
            pass

    def notice(self, text: str, style: str = "yellow") -> None:
        """A notice on stderr (also in --json mode: it never pollutes stdout)."""
        self.err.print(redact(text), style=style, markup=False)

    @contextmanager
    def progress(self, description: str, total: Optional[float] = None, unit: str = "versions") -> Iterator["Bar"]:
        """A progress bar on a terminal (stderr): counts, rate, elapsed time and ETA (once a total is known:
        `-:--:--` before); a silent stand-in otherwise, so `--json` and a pipe get nothing but the result."""
        if not self.interactive:
            yield Bar(None, None)
            return
        prog = Progress(SpinnerColumn(), ProgressLine(self.err, unit), console=self.err, transient=True,
                        refresh_per_second=5)
        prog.start()
        try:
            task = prog.add_task(description, total=total, info="")
            yield Bar(prog, task)
        finally:
            self.settle()  # an interrupt mid-print must not keep the bar's last frame and the cursor buffered
            prog.stop()


class Bar:
    """Updates one progress task (no-op when there is no terminal)."""

    def __init__(self, progress: Optional[Progress], task: Any) -> None:
        self._progress, self._task = progress, task
        self._drawn = False

    def update(self, completed: Optional[float] = None, total: Optional[float] = None, info: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, total=total, info=redact(info))
            if not self._drawn and completed:  # the first figure is drawn at once, not at the next refresh tick
                self._drawn = True
                self._progress.refresh()


def fmt_time(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def fmt_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class Fit:
    """A live view's frame cut to the terminal's height less one line (the cursor's). A taller frame scrolls its
    first lines into the terminal's scrollback, where a transient view can no longer erase them (measured in
    tmux at 80x24: a frame as tall as the terminal left its first line, the title, behind, and one more line for
    every line beyond; rich's own cut at the full height did not prevent it). The middle lines give way to one
    line saying how many; the last `TAIL` stay (a table's bottom and its totals). Every caller prints the whole
    table once the view ends (not after an interrupt: the journal and the state files keep the run)."""

    TAIL = 4

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(self.renderable, options, pad=False)
        room = max(3, console.height - 1)
        if len(lines) > room:
            tail = min(self.TAIL, room // 3)
            head = room - tail - 1
            note = f"… {len(lines) - head - tail} more lines (the terminal is too short to show them live)"
            lines = lines[:head] + [[Segment(note[:options.max_width], Style(dim=True))]] + lines[-tail:]
        for i, line in enumerate(lines):
            if i:
                yield Segment.line()
            yield from line


class _FitLive(Live):
    """rich's Live, each frame cut to the terminal (`Fit`)."""

    def get_renderable(self) -> RenderableType:
        return Fit(super().get_renderable())
