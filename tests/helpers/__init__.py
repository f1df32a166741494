"""Helpers shared by every test suite (on `sys.path` through pytest's `pythonpath = ["tests"]`).

* `helpers.pilot` — `settle`, `wait_for`, `to_preflight`, `screen_text`: driving the App under `run_test`.
* `helpers.waiting` — `wait_until`: a bounded wait on a lab counter or event, outside an App.
* `helpers.clock` — `FixedClock`, `T0`: the injectable clock that only moves when told to.
* `helpers.labkit` — labs, the wizard on a lab, the CLI in-process and as a process.
* `helpers.fakes` — `FakeService`, a scripted `RecoveryService` (checked against it in tests/unit).
* `helpers.ptykit`, `helpers.wizard_drive` — the real console script on a pty; the whole wizard by keyboard.

No helper sleeps and then asserts: every wait polls a condition and fails, naming it, after a generous bound.
"""
