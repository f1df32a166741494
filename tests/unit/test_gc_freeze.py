"""No frozen frame (issue 9, U2): what the wizard keeps for its whole life is moved out of the garbage collector's
walks (`gc.freeze()`), so a full collection, which stops the UI thread, walks ~10k objects instead of ~200k;
and the sites' boto3 clients share one parsed S3 model instead of each parsing its own (~36k objects apiece)."""

from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

from recovery_tui.app import make_app
from recovery_tui.service.aliases import AliasBook
from recovery_tui.wizard import _build_service


@pytest.fixture
def collector() -> Iterator[None]:
    """The test's freezes undone and the collector as it was: this process keeps no earlier test's garbage."""
    enabled = gc.isenabled()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable() if enabled else gc.disable()


class NoService:
    """The App's service, never called here."""


def test_the_first_frame_freezes_start_up_only_when_the_cli_held_the_collector_off(collector: None) -> None:
    app = make_app(NoService(), aliases=["a"], lab=False, persist=False)  # type: ignore[arg-type]
    gc.enable()  # as under a test's App: nothing frozen
    app._first_frame_painted()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.disable()  # as `cli._run_wizard` starts the wizard
    app._first_frame_painted()
    assert gc.get_freeze_count() > 10_000 and gc.isenabled()
    assert len(gc.get_objects()) < gc.get_freeze_count()  # what the collector still walks: not start-up's objects


async def test_a_drill_turns_the_collector_back_on_after_its_first_frame(collector: None) -> None:
    """`--lab --drill` starts through `cli._run_wizard` too (collector off): its first frame (the drill picker)
    turns it back on, as step 1's does; it stayed off for the whole drill before."""
    from recovery_tui.drills import Catalog
    from recovery_tui.lab.scenarios import NAMES

    drill = SimpleNamespace(drill=None, catalog=Catalog(scenarios=NAMES))  # no drill named: the picker
    app = make_app(NoService(), aliases=[], lab=True, persist=False, drill=drill)  # type: ignore[arg-type]
    gc.disable()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "DrillPickerScreen"
        assert gc.isenabled() and gc.get_freeze_count() > 10_000


def test_the_wizards_service_is_frozen_and_each_site_adds_few_objects(collector: None, tmp_path: Path) -> None:
    book = AliasBook({"MC_HOST_one": "http://AKONE:secret-one-1234@127.0.0.1:9001",
                      "MC_HOST_two": "http://AKTWO:secret-two-1234@127.0.0.1:9002", "MC_CONFIG_DIR": str(tmp_path)})
    service = _build_service(book, "eu-west-1")  # what `DeferredService` builds after step 1 is painted
    assert gc.get_freeze_count() > 10_000
    walked = len(gc.get_objects())
    one, two = service.site("one"), service.site("two")  # 4 boto3 clients; ~76k objects when each parsed the model
    assert len(gc.get_objects()) - walked < 15_000
    # one shared session, yet each site's clients keep their own endpoint, key and region
    for site, url, key in ((one, "http://127.0.0.1:9001", "AKONE"), (two, "http://127.0.0.1:9002", "AKTWO")):
        for client in (site.s3, site.s3_write):
            assert client.meta.endpoint_url == url and client.meta.region_name == "eu-west-1"
            assert client._request_signer._credentials.access_key == key
