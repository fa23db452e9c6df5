"""Long sessions stay bounded in the UI process (issue 8 item 6), counted with a fake engine.

Every run changes the bindings twice (``t`` dimmed while it runs, ``s`` after),
and Textual's Footer recomposes its keys each time. The old keys must be
freed: before the fix each recompose left its ``FooterKey`` widgets alive
through the footer's ``compact`` watchers (Textual issue 6666), 16 per cycle.
Counted with ``gc``, not timed; ``benchmarks/bench_soak.py`` measures the
memory of the real app.
"""

from __future__ import annotations

import gc

from conftest import wait_for
from textual.widgets._footer import FooterKey

from tuidl.core.history import RunHistory
from tuidl.core.protocol import Train
from tuidl.ui.widgets.footer import TuidlFooter, prune_closed_watchers

CYCLES = 8


def _live(cls: type) -> list[object]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, cls)]


async def test_many_runs_keep_no_old_footer_keys_or_histories(make_app):
    app = make_app(write_run_dir=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready, what="ready")
        footer = app.dashboard.query_one(TuidlFooter)
        for cycle in range(CYCLES):
            await pilot.press("t")
            await wait_for(
                pilot,
                lambda: sum(isinstance(r, Train) for r in app.fakes[0].requests) == cycle + 1,
                what=f"run {cycle + 1} sent",
            )
            await wait_for(
                pilot,
                lambda: not app.training and app.dashboard.status.state == "completed",
                what=f"run {cycle + 1} completed",
            )
        shown = len(footer.query(FooterKey))
        assert shown > 0

        def detached() -> int:
            return sum(1 for k in _live(FooterKey) if not k.is_attached)

        # a recompose may still be in flight: wait until at most one footer's worth is pending
        await wait_for(
            pilot,
            lambda: detached() <= shown,
            what=f"old footer keys freed (live detached: {detached()}, before the fix ~16 per run)",
        )
        watchers = getattr(footer, "__watchers", {}).get("compact", [])
        assert len(watchers) <= 2 * shown, len(watchers)
        # the chart holds one run's history, not one per run
        assert len(_live(RunHistory)) <= 2


def test_prune_closed_watchers_drops_only_closed():
    class Node:
        def __init__(self, closing: bool) -> None:
            self._closing = closing

    class Observed:
        pass

    observed = Observed()
    open_node, closed_node = Node(False), Node(True)
    setattr(observed, "__watchers", {"compact": [(open_node, print), (closed_node, print)]})
    assert prune_closed_watchers(observed, "compact") == 1
    assert getattr(observed, "__watchers")["compact"] == [(open_node, print)]
    assert prune_closed_watchers(observed, "other") == 0
    assert prune_closed_watchers(object(), "compact") == 0
