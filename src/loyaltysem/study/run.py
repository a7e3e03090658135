"""Run a study: the whole chain on every wave, failures isolated, resumable, in parallel.

:func:`run_study` (``loyaltysem run study.toml``) takes each wave of the study file
through :func:`loyaltysem.study.chain.analyze` (screen, clean, validate, fit, effects with
bootstrap intervals) and writes, per wave, a folder ``waves/<wave>/`` with the wave's
report, its tables and ``wave.json``; then, across waves, ``study_long`` (every key
quantity of every wave, one row each: wave × quantity, with intervals) as CSV, Parquet
and Excel, and ``study_manifest.json``.

Rules a run keeps:

- **Isolated failures.** A wave that cannot be read (encoding, a missing column,
  out-of-range answers) or analysed is reported with its source and reason in its
  ``wave.json`` and ``error.txt`` and in the manifest; the other waves finish. A model
  that does not converge or is improper is not a failure: its numbers are kept with
  their status, which every table shows.
- **Whole or absent.** Every wave folder is written into a staging folder and moved in
  when complete (:class:`loyaltysem._files.OutputFolder`); the study files are written
  atomically after the waves.
- **Resumable.** A wave's key is the SHA-256 of its input (its rows or file, and the
  codebook), of the study's settings (all but its name) and of the loyaltysem version.
  ``resume=True`` keeps every wave folder whose ``wave.json`` has the same key and redoes
  the rest; a run killed midway and resumed ends with the same outputs as an
  uninterrupted run (timings and the manifests' times aside).
- **Seeds per wave.** Each wave's seed is derived from the study seed and the wave's
  name (:func:`wave_seed`), so results do not depend on the order of the waves, on the
  number of workers or on the other waves.

Examples
--------
>>> import pathlib, tempfile
>>> from loyaltysem.study.config import load_study
>>> study = load_study({"data": {"file": "bundled:ecommerce", "column": "wave",
...                              "codebook": "bundled:ecommerce"},
...                     "model": {"syntax": "default", "estimator": "ML"},
...                     "study": {"formats": ["md"]}, "bootstrap": {"draws": 0}})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "tracker"
>>> res = run_study(study, out, progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._files import OutputFolder, atomic_write, write_csv, write_text
from loyaltysem._progress import Counter, QueueDrain, QueueSink, shows_bar
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import LoyaltySemError, StudyError
from loyaltysem.instruments import DEFAULT_MODEL, RIVAL_MODEL
from loyaltysem.report import write as write_report
from loyaltysem.sem.comparison import compare
from loyaltysem.sem.dispatch import fit
from loyaltysem.sem.guidance import recommend_estimator
from loyaltysem.sem.results import library_versions
from loyaltysem.study.chain import Analysis, analyze
from loyaltysem.study.config import Study, load_study
from loyaltysem.study.drift import DriftReport, drift
from loyaltysem.study.summary import write_study_report
from loyaltysem.study.waves import Wave, waves_of
from loyaltysem.survey import Survey

__all__ = ["LONG_COLUMNS", "StudyResult", "WaveOutcome", "run_study", "wave_seed"]

#: Columns of the long table (one row per wave and quantity).
LONG_COLUMNS = (
    "wave",
    "kind",
    "quantity",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "pvalue",
    "std_all",
    "se_std_all",
    "status",
)
_FIT_KEYS = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "chisq.scaled",
    "cfi.robust",
    "tli.robust",
    "rmsea.robust",
)
_RELIABILITY_KEYS = ("alpha", "omega", "rho_c", "ave")


def wave_seed(seed: int, wave: str) -> int:
    """The seed of one wave: from the study seed and the wave's name (not its position).

    Examples
    --------
    >>> wave_seed(1, "2026Q1") == wave_seed(1, "2026Q1") != wave_seed(1, "2026Q2")
    True
    """
    name = int.from_bytes(hashlib.sha256(wave.encode("utf-8")).digest()[:8], "little")
    state = np.random.SeedSequence([seed, name]).generate_state(1)
    return int(state[0])


@dataclass(frozen=True)
class WaveOutcome:
    """What happened to one wave.

    Attributes
    ----------
    wave, folder, source : str
        The wave's name, its output folder (under ``waves/``) and where it came from.
    key : str
        SHA-256 of its input, the study's settings and the loyaltysem version.
    status : str
        ``"ok"`` (converged, admissible, identified), ``"improper"`` (the fit's status
        says what: not converged, a Heywood case, not identified) or ``"failed"``.
    reason : str
        The fit's status label, or why the wave failed.
    seed : int
    n_received, n_kept : int or None
        Respondents read and kept after screening (``None`` when the wave failed).
    seconds : float
    resumed : bool
        Taken from a previous run (``resume=True``), not recomputed.
    """

    wave: str
    folder: str
    source: str
    key: str
    status: str
    reason: str
    seed: int
    n_received: int | None
    n_kept: int | None
    seconds: float
    resumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The outcome as plain data (``wave.json``, the manifest)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, repr=False)
class StudyResult(DisplayMixin):
    """The result of :func:`run_study`.

    Attributes
    ----------
    study : Study
    out : Path
        The output folder.
    waves : tuple of WaveOutcome
        Every wave in order, failed ones included.
    table : DataFrame
        The long table (``LONG_COLUMNS``): every key quantity of every analysed wave.
    drift : DriftReport or None
        What moved in the newest analysed wave against the earlier ones (``None`` with
        fewer than two analysed waves).
    """

    study: Study
    out: Path
    waves: tuple[WaveOutcome, ...]
    table: pd.DataFrame
    drift: DriftReport | None = None

    _title: ClassVar[str] = "Study run over waves"

    @property
    def failed(self) -> tuple[WaveOutcome, ...]:
        """The waves that failed."""
        return tuple(w for w in self.waves if w.status == "failed")

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per wave: status, reason, N, seed, seconds, resumed."""
        return pd.DataFrame([w.to_dict() for w in self.waves]).set_index("wave")

    def _repr_parts(self) -> list[str]:
        return [f"waves={len(self.waves)}", f"failed={len(self.failed)}", f"out={self.out}"]

    def _header(self) -> list[str]:
        lines = [f"study: {self.study.study.name}", f"output: {self.out}"]
        for w in self.failed:
            lines.append(f"wave {w.wave} FAILED ({w.source}): {w.reason}")
        if self.drift is not None:
            lines += [*self.drift.sentences, *self.drift.by_wave_sentences]
        return lines

    def _sections(self) -> Any:
        yield "Waves", self.outcomes[["status", "reason", "n_received", "n_kept", "resumed"]]


# --------------------------------------------------------------------------- one wave
def _model_text(study: Study, value: str) -> str:
    if value == "default":
        return DEFAULT_MODEL
    if value == "rival":
        return RIVAL_MODEL
    if "\n" in value or "~" in value:
        return value
    return study.resolve(value).read_text(encoding="utf-8-sig")


def _estimator(study: Study, items: Sequence[str]) -> dict[str, Any] | None:
    est = study.model.estimator
    if est == "auto":
        return None
    if est in ("WLSMV", "ULSMV"):
        return {"estimator": est, "ordered": list(items)}
    return {"estimator": est}


def _rows(wave: str, kind: str, frame: pd.DataFrame, status: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "wave": wave,
            "kind": kind,
            "quantity": frame["quantity"].astype(str).to_numpy(),
        }
    )
    for col in LONG_COLUMNS[3:-1]:
        out[col] = frame[col].to_numpy(dtype=float) if col in frame else np.nan
    out["status"] = status
    return out


def quantities(wave: str, a: Analysis) -> pd.DataFrame:
    """The long-table rows of one analysed wave (``LONG_COLUMNS``)."""
    status = a.fit.status.label
    parts = []
    excluded = a.survey.n - a.cleaned.n
    sample = pd.DataFrame(
        {
            "quantity": ["n_received", "n_excluded", "n_kept"],
            "estimate": [a.survey.n, excluded, a.cleaned.n],
        }
    )
    parts.append(_rows(wave, "sample", sample, status))
    fm = a.fit.fit_measures
    keys = [k for k in _FIT_KEYS if k in fm.index]
    parts.append(
        _rows(
            wave, "fit", pd.DataFrame({"quantity": keys, "estimate": fm[keys].to_numpy()}), status
        )
    )
    est = a.fit.estimates
    paths = est[est["op"] == "~"].copy()
    paths["quantity"] = paths["lhs"] + " ~ " + paths["rhs"]
    parts.append(_rows(wave, "path", paths.rename(columns={"est": "estimate"}), status))
    if a.effects is not None:
        fx = a.effects.table
        fx = fx[fx["kind"].isin(("indirect", "total"))].copy()
        fx["quantity"] = fx["kind"] + " " + fx["source"] + " -> " + fx["target"]
        parts.append(_rows(wave, "effect", fx.rename(columns={"est": "estimate"}), status))
    r2 = a.fit.r2
    parts.append(
        _rows(wave, "r2", pd.DataFrame({"quantity": r2.index, "estimate": r2.to_numpy()}), status)
    )
    rel = a.validation.reliability
    cols = [k for k in _RELIABILITY_KEYS if k in rel.columns]
    stacked = rel[cols].stack()
    parts.append(
        _rows(
            wave,
            "reliability",
            pd.DataFrame(
                {
                    "quantity": [f"{c} {m}" for c, m in stacked.index],
                    "estimate": stacked.to_numpy(dtype=float),
                }
            ),
            status,
        )
    )
    return pd.concat(parts, ignore_index=True)


def _write_wave(a: Analysis, study: Study, folder: Path, wave: str) -> pd.DataFrame:
    comparison = None
    if study.model.rival is not None and a.fit.converged:
        try:
            rival = fit(_model_text(study, study.model.rival), a.cleaned, **_fit_options(a))
            comparison = compare(rival, a.fit)
        except LoyaltySemError as exc:  # the wave stands; the comparison says why it is absent
            write_text(
                folder / "rival_error.txt", f"the rival model could not be compared: {exc}\n"
            )
    write_report(
        folder,
        survey=a.cleaned,
        screening=a.screening,
        validation=a.validation,
        fit=a.fit,
        effects=a.effects,
        bootstrap=a.bootstrap,
        recommendation=a.recommendation,
        comparison=comparison,
        formats=study.study.formats,
        lang=study.study.language,
    )
    write_csv(folder / "estimates.csv", a.fit.estimates, index=False)
    write_csv(folder / "fit_measures.csv", a.fit.fit_measures)
    write_csv(folder / "reliability.csv", a.validation.reliability)
    if a.effects is not None:
        write_csv(folder / "effects.csv", a.effects.table, index=False)
    return quantities(wave, a)


def _fit_options(a: Analysis) -> dict[str, Any]:
    opts = dict(a.fit.provenance.options)
    keep = ("estimator", "missing", "ordered", "std_lv")
    out = {k: v for k, v in opts.items() if k in keep and v is not None}
    out.setdefault("estimator", a.fit.provenance.estimator)
    return out


def _outcome_status(a: Analysis) -> tuple[str, str]:
    st = a.fit.status
    return ("ok" if st.ok else "improper"), st.label


def _run_wave(
    study: Study,
    wave: Wave,
    target: Path,
    key: str,
    seed: int,
    draws: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Analyse one wave into its folder; never raises for a broken wave (it is reported).

    BLAS runs one thread (as every fit does): waves run side by side on the cores, and a
    Dask worker does not limit its threads itself. ``draws`` (a picklable callable: a
    :class:`~loyaltysem._progress.QueueSink` in a worker process) is told the number of
    bootstrap draws each time some finish; ``None``: nothing is reported.
    """
    with single_blas_thread(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _analyse_wave(study, wave, target, key, seed, draws)
    result["warnings"] = _warning_lines(caught)
    return result


def _warning_lines(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """The warnings of a step as lines of the log (each once), not on stderr."""
    return list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))


def _analyse_wave(
    study: Study,
    wave: Wave,
    target: Path,
    key: str,
    seed: int,
    draws: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    start = time.perf_counter()
    version = library_versions().get("loyaltysem", "")
    with OutputFolder(target, command=["loyaltysem", "run"], version=version) as folder:
        survey = None
        cleaned = None
        table = pd.DataFrame(columns=list(LONG_COLUMNS))
        try:
            survey = wave.read()
            a = analyze(
                survey,
                model=_model_text(study, study.model.syntax),
                measurement=survey.codebook,
                estimator=_estimator(study, survey.items),
                estimator_source=f"the estimator of the study file ({study.model.estimator})",
                n_boot=min(study.bootstrap.draws, 1000),
                effects_boot=study.bootstrap.draws,
                random_state=seed,
                n_jobs=1,
                clean=study.screening.clean,
                progress=False if draws is None else draws,
            )
            table = _write_wave(a, study, folder.staging, wave.name)
            status, reason = _outcome_status(a)
            n_received, n_kept = a.survey.n, a.cleaned.n
            cleaned = a.cleaned
        except Exception as exc:
            status = "failed"
            reason = _reason(exc)
            n_received = None if survey is None else survey.n
            n_kept = None
            detail = traceback.format_exc() if not isinstance(exc, LoyaltySemError) else str(exc)
            write_text(folder.staging / "error.txt", f"{wave.source}\n{detail}\n")
        outcome = WaveOutcome(
            wave=wave.name,
            folder=wave.folder,
            source=wave.source,
            key=key,
            status=status,
            reason=reason,
            seed=seed,
            n_received=n_received,
            n_kept=n_kept,
            seconds=round(time.perf_counter() - start, 3),
        )
        write_csv(folder.staging / "quantities.csv", table, index=False)
        write_text(folder.staging / "wave.json", json.dumps(outcome.to_dict(), indent=1) + "\n")
        folder.commit()
    # the cleaned wave goes back for the drift across waves (not read and screened again)
    return {"outcome": outcome, "table": table, "cleaned": cleaned}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, LoyaltySemError):
        return str(exc).replace("\n  ", "; ")
    return f"internal error {type(exc).__name__}: {exc} (see error.txt; please report it)"


def _resumed(target: Path, key: str) -> dict[str, Any] | None:
    info = target / "wave.json"
    table = target / "quantities.csv"
    if not (info.is_file() and table.is_file() and (target / "manifest.json").is_file()):
        return None
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    data["resumed"] = True
    frame = pd.read_csv(table, encoding="utf-8-sig", dtype={"wave": str})
    return {"outcome": WaveOutcome(**data), "table": frame, "cleaned": None}


# --------------------------------------------------------------------------- the study
def _key(wave: Wave, study: Study) -> str:
    version = library_versions().get("loyaltysem", "")
    content = f"{wave.fingerprint}|{study.fingerprint()}|{version}".encode()
    return hashlib.sha256(content).hexdigest()


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise StudyError(
            "the output folder is a file",
            file=str(out),
            fix="give --out a folder",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / "study_manifest.json").exists():
        stray = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
        if stray and set(stray) - {"waves", "study.log"}:
            raise StudyError(
                "the output folder holds files that are not a study's output",
                file=str(out),
                found=stray[:5],
                expected="a new or empty folder, or the folder of an earlier run of a study",
                fix="choose another --out folder",
            )


class _Draws:
    """The bootstrap draws of the waves, counted toward ``waves x draws`` exactly.

    Reports come tagged with the wave's name, from this process (one job) or from the
    worker processes through a queue (read by a thread here). When a wave is finished
    its remaining draws are counted at once (a failed wave, a fit not bootstrapped, a
    Dask worker that reports nothing) and later reports of it are ignored, so the count
    ends at the total whatever the order the reports and the results arrive in.
    """

    def __init__(self, per_wave: int, sinks: Sequence[Callable[[int], None]]) -> None:
        self.per_wave = per_wave
        self.sinks = list(sinks)
        self.counted: dict[str, int] = {}
        self.closed: set[str] = set()
        self._lock = threading.Lock()

    def add(self, wave: str, k: int) -> None:
        with self._lock:
            if wave in self.closed:
                return
            k = min(int(k), self.per_wave - self.counted.get(wave, 0))
            if k <= 0:
                return
            self.counted[wave] = self.counted.get(wave, 0) + k
            for sink in self.sinks:
                sink(k)

    def finish(self, wave: str) -> None:
        with self._lock:
            self.closed.add(wave)
            k = self.per_wave - self.counted.get(wave, 0)
            self.counted[wave] = self.per_wave
            if k > 0:
                for sink in self.sinks:
                    sink(k)


def _execute(
    tasks: Sequence[tuple[Study, Wave, Path, str, int]],
    jobs: int,
    scheduler: str | None,
    done: Callable[[dict[str, Any]], None],
    draws: _Draws | None = None,
) -> None:
    """Run the wave tasks here, over loky workers or on Dask; ``done`` gets each result.

    The draws of a wave are reported as they finish: in this process directly, from loky
    workers through a ``multiprocessing.Manager().Queue()`` proxy drained by a thread
    here. On Dask the draws are counted per wave, when the wave's result comes back (a
    manager's queue does not reach the cluster's machines).
    """
    if scheduler is not None:
        for result in _on_dask(tasks, scheduler):
            done(result)
    elif jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            sink = None if draws is None else functools.partial(draws.add, task[1].name)
            done(_run_wave(*task, sink))
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=jobs, return_as="generator")
        if draws is None:
            for result in parallel(delayed(_run_wave)(*task) for task in tasks):
                done(result)
            return
        import multiprocessing

        with multiprocessing.Manager() as manager:
            queue = manager.Queue()
            with QueueDrain(queue, draws.add):
                calls = (
                    delayed(_run_wave)(*task, QueueSink(queue, task[1].name)) for task in tasks
                )
                for result in parallel(calls):
                    done(result)


def _on_dask(tasks: Sequence[tuple[Study, Wave, Path, str, int]], address: str) -> list[Any]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise StudyError(
            "a Dask scheduler needs the dask extra",
            found=address,
            fix="pip install 'loyaltysem[dask]'",
        ) from exc
    with Client(address) as client:
        # impure: identical tasks are not merged (each carries its own seed anyway)
        futures = [client.submit(_run_wave, *task, pure=False) for task in tasks]
        return list(client.gather(futures))


def run_study(
    study: Study | str | Path,
    out: str | Path,
    *,
    jobs: int = 1,
    resume: bool = False,
    scheduler: str | None = None,
    progress: bool | Callable[[str], None] | None = None,
    on_draws: Callable[[int], None] | None = None,
) -> StudyResult:
    """Run the study's chain on every wave, then write the tables across waves.

    Parameters
    ----------
    study : Study or str or Path
        A study (:func:`~loyaltysem.study.config.load_study`) or its file.
    out : str or Path
        The output folder (created; an earlier run's folder is updated in place).
    jobs : int
        Waves analysed at once (processes, joblib/loky); ``-1``: every core.
    resume : bool
        Keep the waves an earlier run finished with the same key (input, settings,
        version); redo the rest.
    scheduler : str, optional
        The address of a Dask distributed scheduler (``tcp://host:8786``): the waves run
        there (the ``dask`` extra).
    progress : bool or callable, optional
        ``None`` (default): print a line per wave and, when stderr is a terminal or in
        Jupyter, two progress bars (tqdm: text or a notebook widget), the waves and the
        bootstrap draws of all the waves (``waves x draws``); ``True``: the lines and the
        bars always; ``False``: nothing (for cron); a callable: called with each line
        instead of printing it (no bars). ``study.log`` gets the lines in every case,
        never a bar. Warnings raised while the waves are analysed (in this process or
        in a worker) come as lines too, naming their wave.
    on_draws : callable, optional
        Called with the number of bootstrap draws just finished, each time some finish
        in any wave (the numbers add up to ``waves x draws`` of the waves analysed):
        as they finish in this process or in loky workers (``jobs > 1``), per wave on a
        Dask cluster.

    Returns
    -------
    StudyResult

    Raises
    ------
    StudyError
        The study file, its waves' source or the output folder cannot be used (nothing is
        written). A wave that fails does not raise: it is reported in the result.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    out = Path(out)
    waves = waves_of(study)
    _check_out(out)
    (out / "waves").mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    tasks = []
    kept_lines = []
    for wave in waves:
        key = _key(wave, study)
        target = out / "waves" / wave.folder
        kept = _resumed(target, key) if resume else None
        if kept is not None:
            kept_lines.append(f"wave {wave.name}: unchanged since the last run (resumed)")
            results[wave.name] = kept
        else:
            tasks.append((study, wave, target, key, wave_seed(study.study.seed, wave.name)))
    bars = shows_bar(progress)  # a callable gets the lines, and no bar is drawn
    per_wave = study.bootstrap.draws
    wave_bar = Counter(len(tasks), bars, "waves", unit="wave", position=0)
    draw_bar = Counter(len(tasks) * per_wave, bars and per_wave > 0, "draws", position=1)
    sinks = [c for c in (on_draws, draw_bar.update if draw_bar.drawn else None) if c]
    draws = _Draws(per_wave, sinks) if sinks and per_wave > 0 else None
    report = _logged(_reporter(progress, wave_bar), out / "study.log")
    try:
        report(f"loyaltysem {library_versions().get('loyaltysem', '')} run: {study.study.name}")
        for line in kept_lines:
            report(line)

        def finished(done: dict[str, Any]) -> None:
            o = done["outcome"]
            results[o.wave] = done
            if draws is not None:
                draws.finish(o.wave)
            wave_bar.update(1)
            report(f"wave {o.wave}: {o.status} ({o.reason}) in {o.seconds:.1f} s")
            for line in done.get("warnings", ()):
                report(f"wave {o.wave}: {line}")

        report(f"{len(tasks)} of {len(waves)} waves to analyse")
        _execute(tasks, jobs, scheduler, finished, draws)
    finally:
        draw_bar.close()
        wave_bar.close()
    report = _logged(_reporter(progress), out / "study.log")
    ordered = [results[w.name] for w in waves]
    outcomes = tuple(r["outcome"] for r in ordered)
    frames = [r["table"] for r in ordered if len(r["table"])]
    table = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(LONG_COLUMNS))
    )
    table["wave"] = table["wave"].astype(str)
    report("drift: the newest wave against the earlier waves")
    cleaned = {name: r["cleaned"] for name, r in results.items() if r["cleaned"] is not None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        moved = _drift(study, waves, outcomes, table, cleaned)
    for line in _warning_lines(caught):
        report(f"drift: {line}")
    _write_study(out, study, outcomes, table, waves, moved)
    failed = sum(o.status == "failed" for o in outcomes)
    report(f"done: {len(outcomes) - failed} waves analysed, {failed} failed")
    return StudyResult(study=study, out=out, waves=outcomes, table=table, drift=moved)


def _drift(
    study: Study,
    waves: Sequence[Wave],
    outcomes: Sequence[WaveOutcome],
    table: pd.DataFrame,
    cleaned: dict[str, Survey],
) -> DriftReport | None:
    analysed = [w for w, o in zip(waves, outcomes, strict=True) if o.status != "failed"]
    if len(analysed) < 2:
        return None
    surveys = {}
    for w in analysed:
        if w.name in cleaned:  # analysed in this run
            surveys[w.name] = cleaned[w.name]
            continue
        s = w.read()  # resumed: read and screened again, as its analysis did
        surveys[w.name] = s.clean(s.screen()) if study.screening.clean else s
    newest = surveys[analysed[-1].name]
    est = study.model.estimator
    options: dict[str, Any] = {"estimator": est}
    if est == "auto":  # the newest wave's recommendation, as its own fit used
        options = dict(recommend_estimator(newest).fit_kwargs)
    elif est in ("WLSMV", "ULSMV"):
        options["ordered"] = list(newest.items)
    return drift(
        table,
        surveys,
        measurement=newest.codebook,
        invariance_options=options,
        lang=study.study.language,
    )


def _logged(show: Callable[[str], None], log: Path) -> Callable[[str], None]:
    """Show a progress line and append it, timed, to the study's log file."""

    def report(line: str) -> None:
        show(line)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{stamp} {line}\n")

    return report


def _reporter(
    progress: bool | Callable[[str], None] | None, bar: Counter | None = None
) -> Callable[[str], None]:
    """Where the lines go: the callable, stdout (above the bars while they show), nowhere."""
    if callable(progress):
        return progress
    if progress is False:
        return lambda line: None
    if bar is not None and bar.drawn:
        return bar.write
    return lambda line: print(line, flush=True)


def _write_study(
    out: Path,
    study: Study,
    outcomes: Sequence[WaveOutcome],
    table: pd.DataFrame,
    waves: Sequence[Wave],
    moved: DriftReport | None,
) -> None:
    write_csv(out / "study_long.csv", table, index=False)
    files = ["study_long.csv", "study_long.parquet", "study_long.xlsx"]
    if moved is not None:
        write_csv(out / "study_drift.csv", moved.table, index=False)
        write_csv(out / "study_drift_by_wave.csv", moved.by_wave, index=False)
        files += ["study_drift.csv", "study_drift_by_wave.csv"]
    outcomes_frame = pd.DataFrame([o.to_dict() for o in outcomes]).set_index("wave")
    shown = outcomes_frame[["status", "reason", "n_received", "n_kept"]]
    written = write_study_report(
        out,
        name=study.study.name,
        outcomes=shown,
        long=table,
        drift=moved,
        failed=[o.to_dict() for o in outcomes if o.status == "failed"],
        lang=study.study.language,
    )
    files += [p.name for p in written]
    atomic_write(out / "study_long.parquet", lambda p: table.to_parquet(p, index=False))
    atomic_write(out / "study_long.xlsx", lambda p: table.to_excel(p, index=False))
    manifest = {
        "study": study.study.name,
        "study_file": None if study.path is None else str(study.path),
        "settings_sha256": study.fingerprint(),
        "settings": study.model_dump(mode="json"),
        "seed": study.study.seed,
        "versions": library_versions(),
        "waves": [
            {**o.to_dict(), "input_sha256": w.fingerprint}
            for o, w in zip(outcomes, waves, strict=True)
        ],
        "files": files,
    }
    write_text(out / "study_manifest.json", json.dumps(manifest, indent=1) + "\n")
