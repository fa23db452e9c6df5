"""The runs screen's actions on run folders: open in the builder, rename, tag, delete, CSV and SVG exports.

:class:`RunActions` is a mixin of :class:`~tuidl.ui.screens.runs.RunsScreen`
(whose ``BINDINGS`` name these actions). Every change goes through
:mod:`tuidl.core.runs` (which never follows a link out of a run folder); an
error is shown in an :class:`~tuidl.ui.modals.ErrorModal`, never a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tuidl.core.errors import TuidlError
from tuidl.core.runs import RunError, RunSummary, delete_run, export_csv, read_run_text, rename_run, set_tags
from tuidl.ui.modals import ConfirmModal, ErrorModal, InputModal

__all__ = ["RunActions"]


class RunActions:
    """Open, rename, tag, delete and export runs (mixed into :class:`~tuidl.ui.screens.runs.RunsScreen`)."""

    app: Any
    selected: dict[str, int]
    followers: dict[str, Any]
    export_dir: Path
    notify: Any
    dismiss: Any
    current_run: Any
    reload: Any
    chart_names: Any
    _targets: Any
    _update_chart_runs: Any

    def action_open_run(self) -> None:
        """Dismiss with the run's experiment (its ``spec.toml``) for the builder."""
        r = self.current_run()
        if r is None:
            return
        from tuidl.core.spec import loads

        path = r.dir / "spec.toml"
        try:  # read like every run file: no link followed, size checked, UTF-8
            exp = loads(read_run_text(r.dir, "spec.toml"), origin=str(path))
        except TuidlError as e:
            self._error(e)
            return
        exp._source = path.resolve()
        self.dismiss(exp)

    def action_close(self) -> None:
        """Close the runs screen."""
        self.dismiss(None)

    def _error(self, e: TuidlError) -> None:
        self.app.push_screen(ErrorModal(e.title, e.message, e.hint))

    def action_rename(self) -> None:
        """Give the run under the cursor a display name (the folder keeps its id).

        Always the cursor's run, also when runs are selected (one name for several
        runs would make them indistinguishable); the prompt names the run.
        """
        r = self.current_run()
        if r is None:
            return

        def done(name: str | None) -> None:
            if name is None:
                return
            try:
                rename_run(r.dir, name)
            except TuidlError as e:
                self._error(e)
            self.reload()
            if r.run_id in self.followers:
                self._rename_follower(r.run_id)

        self.app.push_screen(
            InputModal(f"Rename the run under the cursor, {r.run_id} (empty: back to the experiment's name)", r.name),
            done,
        )

    def _rename_follower(self, run_id: str) -> None:
        self.followers[run_id].history.name = self.chart_names().get(run_id, run_id)
        self._update_chart_runs()

    def tag_prompt(self, targets: list[RunSummary]) -> tuple[str, str]:
        """The tag prompt's text and its pre-filled value for these runs: one run's tags,
        or the tags all the selected runs share."""
        sep = "space or comma separated"
        if len(targets) == 1 and not self.selected:
            r = targets[0]
            return f"Tags of the run under the cursor, {r.name} ({sep}; empty: none)", " ".join(r.tags)
        shared = [t for t in targets[0].tags if all(t in r.tags for r in targets[1:])]
        what = "the selected run" if len(targets) == 1 else f"the {len(targets)} selected runs"
        return (
            f"Tags of {what}: {', '.join(r.name for r in targets[:4])}"
            f"{' …' if len(targets) > 4 else ''} ({sep}). Shown: the tags they all have; "
            f"adding or removing one changes every selected run, other tags are kept",
            " ".join(shared),
        )

    def action_tag(self) -> None:
        """Edit the tags of the selected runs, or of the run under the cursor when none is
        selected (the prompt says which).

        With several runs the field holds the tags they all share; a tag added there is
        added to each run, a shared tag removed is removed from each, and a tag only
        some of them have is kept.
        """
        targets = self._targets()
        if not targets:
            return
        prompt, current = self.tag_prompt(targets)
        before = current.split()

        def done(text: str | None) -> None:
            if text is None:
                return
            entered = text.replace(",", " ").split()
            removed = [t for t in before if t not in entered]
            for r in targets:
                tags = [t for t in r.tags if t not in removed] + [t for t in entered if t not in r.tags]
                if len(targets) == 1:
                    tags = entered  # one run: the field is its whole tag list, in this order
                try:
                    set_tags(r.dir, tags)
                except TuidlError as e:
                    self._error(e)
                    break
            self.reload()

        self.app.push_screen(InputModal(prompt, current), done)

    def action_delete(self) -> None:
        """Delete the selected runs (or the run under the cursor when none is selected),
        after a confirmation that names them."""
        targets = self._targets()
        if not targets:
            return
        names = ", ".join(r.name for r in targets[:5]) + (" …" if len(targets) > 5 else "")

        def done(yes: bool | None) -> None:
            if not yes:
                return
            failed: list[str] = []
            for r in targets:
                try:
                    delete_run(r.dir)
                except RunError as e:
                    failed.append(e.message)
                    continue
                self.selected.pop(r.run_id, None)
                self.followers.pop(r.run_id, None)
            self._update_chart_runs()
            self.reload()
            if failed:
                self.notify("; ".join(failed), title="Not deleted", severity="error", markup=False)
            else:
                self.notify(f"deleted {len(targets)} run(s)", markup=False)

        what = f"the {len(targets)} selected run(s)" if self.selected else "the run under the cursor"
        self.app.push_screen(ConfirmModal(f"Delete {what} and all their files?\n{names}\nThis cannot be undone."), done)

    # -- exports -------------------------------------------------------------------------
    def _stamp(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S")

    def action_export_csv(self, path: str | None = None) -> None:
        """Write the selected runs' (or the cursor run's) per-epoch metrics to a CSV file."""
        targets = self._targets()
        if not targets:
            self.notify("select runs with space first", severity="warning", markup=False)
            return
        dest = Path(path) if path else self.export_dir / f"tuidl-runs-{self._stamp()}.csv"
        skipped: list[str] = []
        try:
            n = export_csv([r.dir for r in targets], dest, skipped)
        except TuidlError as e:
            self._error(e)
            return
        self.last_export = dest
        left_out = f"; left out: {'; '.join(skipped)}" if skipped else ""
        self.notify(
            f"wrote {n} rows of {len(targets) - len(skipped)} run(s) to {dest} (epoch column 0-based, as in "
            f"Keras's CSVLogger){left_out}",
            title="CSV exported",
            severity="warning" if skipped else "information",
            markup=False,
        )

    def action_screenshot(self) -> None:
        """Save an SVG screenshot of the screen."""
        name = f"tuidl-runs-{self._stamp()}.svg"
        try:
            path = self.app.save_screenshot(filename=name, path=str(self.export_dir))
        except OSError as e:
            self._error(RunError(f"{self.export_dir / name}: cannot write: {e.strerror}", title="Screenshot failed"))
            return
        self.last_export = Path(path)
        self.notify(f"saved {path}", title="Screenshot", markup=False)

    last_export: Path | None = None
    """The file the last export wrote (for tests and the status line)."""
