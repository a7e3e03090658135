r"""The ``loyaltysem`` command line: a thin layer over the Python API.

This is the only module that prints or exits. Exit codes: 0 success, 2 bad input
(a bad option or value, a file, codebook or model that cannot be used: a message on
stderr naming it and the option to type, no traceback), 1 internal error (a
traceback for a bug report). ``loyaltysem --version`` imports neither pandas nor
scipy. Every command is documented in ``docs/cli.md``.

Examples
--------
Run the whole chain on the bundled example and write its tables::

    loyaltysem demo --out demo-output

The same chain on your own export and codebook::

    loyaltysem analyze responses.csv --codebook codebook.csv --model default \
        --group wave --out analysis

Screen your own questionnaire export::

    loyaltysem screen responses.csv --codebook codebook.csv --out screening

Fit a model (lavaan syntax in a file, or ``default`` / ``rival``, the e-commerce
templates) with the options of :func:`loyaltysem.fit`::

    loyaltysem fit responses.csv --codebook codebook.csv --model model.lav \
        --estimator MLR --missing ml --clean --bootstrap 2000 --seed 1 --out sem

Test measurement invariance across survey waves::

    loyaltysem invariance responses.csv --codebook codebook.csv --group wave --partial
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loyaltysem.errors import (
    IdentificationError,
    LoyaltySemError,
    LoyaltySemWarning,
    ModelSpecError,
    StudyError,
    SurveyDataError,
    _compose,
    _LocatedError,
)

if TYPE_CHECKING:
    import pandas as pd

    from loyaltysem._files import OutputFolder
    from loyaltysem.measurement.validity import MeasurementReport
    from loyaltysem.sem.bootstrap import SEMBootstrap
    from loyaltysem.sem.group_blocks import MultiGroupResult
    from loyaltysem.sem.invariance import InvarianceResult
    from loyaltysem.sem.results import SEMResult
    from loyaltysem.status import Status
    from loyaltysem.study.chain import Analysis
    from loyaltysem.survey import Survey
    from loyaltysem.survey.screening import ScreeningReport

__all__ = ["cli_terms", "main"]

#: Seed of the demo's bootstrap (HTMT intervals), so the demo's outputs are reproducible.
DEMO_SEED = 20261122

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
#: ``loyaltysem run``: the study ran, and at least one wave failed (each is reported)
EXIT_WAVES_FAILED = 3

ESTIMATORS = ("ML", "MLM", "MLR", "WLSMV", "ULSMV")
MISSING = ("listwise", "ml", "ml.x", "pairwise")
GROUP_EQUAL = (
    "loadings", "intercepts", "means", "residuals", "residual.covariances",
    "lv.variances", "lv.covariances", "regressions",
)  # fmt: skip
MODEL_CHOICES = (
    "--model default (the bundled e-commerce model: 9 constructs, 29 items, "
    "TRU ~ REP + SEC + SQ; SAT ~ TRU + PQ + PRI + ASS; LOY ~ TRU + SAT), "
    "--model rival (the same plus LOY ~ PQ + PRI + ASS), "
    "or --model FILE (a text file with lavaan syntax)"
)

# ---------------------------------------------------------------------------------------
# Error messages in command-line terms
# ---------------------------------------------------------------------------------------

#: API keyword -> the command-line option that sets it (every command).
CLI_OPTIONS: dict[str, str] = {
    "invalid": "--invalid",
    "unknown_columns": "--unknown-columns",
    "encoding": "--encoding",
    "sheet": "--sheet",
    "estimator": "--estimator",
    "missing": "--missing",
    "ordered": "--ordered",
    "parameterization": "--parameterization",
    "group": "--group",
    "group_equal": "--group-equal",
    "group_partial": "--group-partial",
    "std_lv": "--std-lv",
    "n_boot": "--bootstrap",
    "random_state": "--seed",
    "n_jobs": "--jobs",
    "ci": "--ci",
}
#: Where a command names an option differently.
COMMAND_OPTIONS: dict[str, dict[str, str]] = {
    "validate": {"n_boot": "--n-boot"},
    "analyze": {"n_boot": "--n-boot"},
    "report": {"n_boot": "--n-boot"},
    "demo": {"n_boot": "--n-boot"},
}

_QUOTED = r"'[^']*'|\"[^\"]*\""
_KEYWORD = re.compile(
    r"(?P<pass>\bpass\s+)?(?<![\w.])(?P<kw>" + "|".join(CLI_OPTIONS) + r")=(?!=)"
    r"(?P<value>" + _QUOTED + r"|\[[^\]]*\]|[\w.<>-]+)?"
    r"(?P<alts>(?:\s*(?:/|,|\bor\b)\s*(?:" + _QUOTED + r"))*)"
)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def cli_terms(text: str, command: str | None = None) -> str:
    """Rewrite the API's keyword hints in a message as the command-line options to type.

    ``pass invalid='missing'`` becomes ``use --invalid missing``; ``ordered=True``
    becomes ``--ordered``; ``estimator='ML'/'MLR'`` becomes ``--estimator ML/MLR``;
    ``group_equal=["loadings"]`` becomes ``--group-equal loadings``. Keywords without a
    command-line option are left as they are.

    Parameters
    ----------
    text : str
        A message, an ``expected`` or a ``fix`` of a :class:`~loyaltysem.errors.LoyaltySemError`.
    command : str, optional
        The command being run (options differ: ``--n-boot`` in ``validate``, ``--bootstrap``
        in ``fit``).

    Examples
    --------
    >>> cli_terms("pass invalid='missing' to set such cells to missing")
    'use --invalid missing to set such cells to missing'
    >>> cli_terms("pass unknown_columns='keep' or 'ignore'")
    'use --unknown-columns keep or ignore'
    >>> cli_terms("use estimator='ML'/'MLR' (missing='ml' for FIML)")
    'use --estimator ML/MLR (--missing ml for FIML)'
    >>> cli_terms("pass n_boot=5000", "validate")
    'use --n-boot 5000'
    """
    options = {**CLI_OPTIONS, **COMMAND_OPTIONS.get(command or "", {})}

    def replace(match: re.Match[str]) -> str:
        option = options[match["kw"]]
        value = match["value"]
        if value is None or value == "True":
            words = option
        elif value.startswith("["):
            items = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
            words = f"{option} {','.join(items)}"
        else:
            words = f"{option} {_unquote(value)}"
        for sep, alt in re.findall(r"\s*(/|,|\bor\b)\s*(" + _QUOTED + ")", match["alts"]):
            words += "/" if sep == "/" else f"{sep} " if sep == "," else f" {sep} "
            words += _unquote(alt)
        return ("use " if match["pass"] else "") + words

    return _KEYWORD.sub(replace, text)


def _message(exc: LoyaltySemError, command: str | None) -> str:
    """The error's message with its fix (and reason, expected) in command-line terms."""
    if isinstance(exc, _LocatedError):
        return _compose(
            cli_terms(exc.reason, command),
            file=exc.file,
            row=exc.row,
            column=exc.column,
            line=exc.line,
            found=exc.found,
            expected=None if exc.expected is None else cli_terms(exc.expected, command),
            fix=None if exc.fix is None else cli_terms(exc.fix, command),
        )
    return cli_terms(str(exc), command)


# ---------------------------------------------------------------------------------------
# Writing results
# ---------------------------------------------------------------------------------------


def _write_screening(survey: Survey, report: ScreeningReport, out: Path) -> list[Path]:
    """Write the survey log and every screening table; return the paths written."""
    from loyaltysem._files import write_csv, write_text

    written = [
        write_csv(out / "survey_log.csv", survey.log_frame(), index=False),
        write_csv(out / "screening_items.csv", report.items),
        write_csv(out / "screening_missing.csv", report.missing),
        write_csv(out / "screening_careless.csv", report.careless),
        write_csv(out / "screening_outliers.csv", report.outliers),
        write_csv(out / "screening_mardia.csv", report.mardia.to_frame()),
        write_csv(out / "exclusions.csv", report.exclusions()),
    ]
    if report.speeders_screened:
        written.append(write_csv(out / "screening_speeders.csv", report.speeders))
    if len(survey.invalid):
        written.append(write_csv(out / "invalid_cells.csv", survey.invalid, index=False))
    text = survey.summary() + "\n" + report.summary()
    written.append(write_text(out / "screening_summary.txt", text))
    return written


def _residuals_cor(result: SEMResult | MultiGroupResult) -> pd.DataFrame:
    """Correlation residuals; of a multi-group fit, stacked with the group label first."""
    import pandas as pd

    from loyaltysem.sem.multigroup import MultiGroupResult

    if not isinstance(result, MultiGroupResult):
        return result.residuals("cor")
    parts = {label: result.residuals(label, "cor") for label in result.group_labels}
    return pd.concat(parts, names=["group_label", "variable"])


def _write_sem(
    result: SEMResult | MultiGroupResult,
    out: Path,
    prefix: str = "sem",
    boot: SEMBootstrap | None = None,
) -> list[Path]:
    """Write the tables of a fitted model (full precision) and its summary."""
    from loyaltysem._files import write_csv, write_text
    from loyaltysem.sem.effects import effects

    mi = result.modification_indices(minimum_value=3.84)
    paths = [
        write_csv(out / f"{prefix}_estimates.csv", result.estimates, index=False),
        write_csv(out / f"{prefix}_fit_measures.csv", result.fit_measures.to_frame("value")),
        write_csv(out / f"{prefix}_r2.csv", result.r2.to_frame("r2")),
        write_csv(out / f"{prefix}_residuals_cor.csv", _residuals_cor(result)),
        write_csv(out / f"{prefix}_modification_indices.csv", mi, index=False),
        write_text(out / f"{prefix}_summary.txt", result.summary()),
        _write_status(out, prefix, result.status),
    ]
    if boot is not None:
        paths += [
            write_csv(out / f"{prefix}_bootstrap.csv", boot.estimates, index=False),
            write_text(out / f"{prefix}_bootstrap_summary.txt", boot.summary()),
            _write_status(out, f"{prefix}_bootstrap", boot.status),
        ]
    if (result.estimates["op"] == "~").any():  # a structural model: its effects
        eff = effects(result, boot) if boot is not None else effects(result)
        paths.append(write_csv(out / f"{prefix}_effects.csv", eff.table, index=False))
        if len(eff.mediation.columns):  # no indirect effects, no mediation table
            paths.append(write_csv(out / f"{prefix}_mediation.csv", eff.mediation, index=False))
    return paths


def _write_invariance(inv: InvarianceResult, out: Path) -> list[Path]:
    """Write the invariance ladder (full precision), the partial search and the summary."""
    from loyaltysem._files import write_csv, write_text

    paths = [
        write_csv(out / "invariance_table.csv", inv.table),
        write_text(out / "invariance_summary.txt", inv.summary()),
        _write_status(out, "invariance", inv.status),
    ]
    if len(inv.partial):
        paths.append(write_csv(out / "invariance_partial.csv", inv.partial, index=False))
    for level, res in inv.fits.items():
        paths.append(
            write_csv(out / f"invariance_{level}_estimates.csv", res.estimates, index=False)
        )
    return paths


def _write_validation(report: MeasurementReport, out: Path) -> list[Path]:
    """Write the measurement report's tables (full precision) and its summary."""
    from loyaltysem._files import write_csv, write_text

    paths = [
        write_csv(out / "validation_reliability.csv", report.reliability),
        write_csv(out / "validation_items.csv", report.items),
        write_csv(out / "validation_fornell_larcker.csv", report.fornell_larcker),
        write_csv(out / "validation_htmt.csv", report.htmt),
        write_csv(out / "validation_cross_loadings.csv", report.cross_loadings),
        write_csv(out / "validation_common_method.csv", report.common_method),
        write_csv(out / "validation_verdicts.csv", report.verdicts, index=False),
        write_csv(out / "validation_removal.csv", report.removal),
        write_text(out / "validation_summary.txt", report.summary()),
        _write_status(out, "validation", report.status),
    ]
    if report.htmt_inference is not None:
        paths.append(write_csv(out / "validation_htmt_inference.csv", report.htmt_inference))
    if report.polychoric is not None:
        paths.append(write_csv(out / "validation_polychoric.csv", report.polychoric))
    if report.efa is not None:
        paths += [
            write_csv(out / "validation_efa_loadings.csv", report.efa.efa.to_frame(sort=True)),
            write_csv(out / "validation_efa_kmo.csv", report.efa.kmo.to_frame()),
            write_csv(out / "validation_efa_factors.csv", report.efa.suggestions.table),
        ]
    return paths


def _print_written(paths: Sequence[Path], out: Path, *, names: bool = False) -> None:
    listed = "(listed with their SHA-256 in manifest.json)" + (":" if names else "")
    print(f"wrote {len(paths)} files to {out} {listed}")
    if names:
        for p in paths:
            print(f"  {p.name}")


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The input files of a command (hashed into the manifest, sizing the free space)."""
    if args.command == "demo":
        from loyaltysem.datasets import dataset_path

        return [Path(dataset_path("ecommerce")), Path(dataset_path("ecommerce", "codebook"))]
    files = [Path(args.file), Path(args.codebook)]
    model = getattr(args, "model", None)
    if model is not None and model not in ("default", "rival"):
        files.append(Path(model))
    return [p for p in files if p.is_file()]


def _output_folder(args: argparse.Namespace, argv: Sequence[str]) -> OutputFolder | None:
    """The ``--out`` folder of a command, checked and staged before the analysis starts.

    The command writes into ``args.write_dir`` (the staging folder beside ``--out``);
    :func:`main` moves it into place when the command succeeded.
    """
    args.write_dir = None
    if args.command in ("codebook", "study", "run") or not getattr(args, "out", None):
        return None
    from loyaltysem import __version__
    from loyaltysem._files import OutputFolder

    folder = OutputFolder(
        args.out, command=["loyaltysem", *argv], inputs=_inputs(args), version=__version__
    )
    folder.prepare()
    for note in folder.notes:
        print(f"note: {note}", file=sys.stderr)
    args.write_dir = folder.staging
    return folder


def _os_error_message(exc: OSError, folder: OutputFolder | None) -> str:
    """An OS error as one message naming the path and the fix (no traceback)."""
    from loyaltysem._files import output_error

    if folder is not None:  # while writing the output folder: say that it is unchanged
        staged = str(folder.staging)
        if exc.filename is None or str(exc.filename).startswith(staged):
            return str(output_error(exc, folder.target))
    reason = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return (
        f"{where}{reason}\n  fix: check that the path exists and that you may read it (an "
        "input) or write it (an output), and that its disk has free space"
    )


# ---------------------------------------------------------------------------------------
# Reading inputs
# ---------------------------------------------------------------------------------------


def _read(args: argparse.Namespace) -> Survey:
    """Read the survey file of a command with its reading options."""
    from loyaltysem.survey import read_survey

    return read_survey(
        args.file,
        args.codebook,
        sheet=args.sheet,
        encoding=args.encoding,
        unknown_columns=args.unknown_columns,
        invalid=args.invalid,
    )


def _note_invalid(survey: Survey) -> None:
    """Say how many answers ``--invalid missing`` set missing (the survey log has each)."""
    n = len(survey.invalid)
    if n:
        print(
            f"note: {n} invalid answer{'s' if n > 1 else ''} set missing (--invalid missing); "
            "each is listed in invalid_cells.csv of `loyaltysem screen ... --out DIR`"
        )


def _model(spec: str | None) -> tuple[str, str]:
    """The model text of ``--model`` and how to name it; no model is an error."""
    from loyaltysem.instruments import DEFAULT_MODEL, RIVAL_MODEL

    if spec is None:
        raise ModelSpecError(
            "no model given: say which model to fit",
            expected=MODEL_CHOICES,
            fix="add --model default to fit the bundled e-commerce model, or --model model.lav",
        )
    templates = {
        "default": (DEFAULT_MODEL, "the bundled default e-commerce model (--model default)"),
        "rival": (RIVAL_MODEL, "the bundled rival e-commerce model (--model rival)"),
    }
    if spec in templates:
        return templates[spec]
    path = Path(spec)
    if not path.is_file():
        raise ModelSpecError(
            "the model file does not exist",
            file=str(path),
            expected=MODEL_CHOICES,
            fix="check the path, or use --model default",
        )
    return _read_model_file(path), f"the model in {path}"


def _read_model_file(path: Path) -> str:
    """A model file's text (UTF-8, with or without BOM); unreadable bytes name the file."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ModelSpecError(
            "the model file is not UTF-8 text",
            file=str(path),
            line=line,
            found=exc.object[exc.start : exc.start + 8],
            expected="a text file with lavaan syntax, saved as UTF-8",
            fix="save the model file as UTF-8 (plain text)",
        ) from None
    except OSError as exc:
        raise ModelSpecError(
            "the model file cannot be read",
            file=str(path),
            found=exc.strerror or type(exc).__name__,
            expected="a readable text file with lavaan syntax",
            fix="check the path and its permissions",
        ) from None


def _with_model_file(exc: LoyaltySemError, args: argparse.Namespace) -> LoyaltySemError:
    """Name the file an error that names no place is about.

    A model error or a model that is not identified (df < 0): the ``--model`` file; a
    data error (too few complete rows, say): the survey file.
    """
    spec = getattr(args, "model", None)
    if (
        isinstance(exc, (ModelSpecError, IdentificationError))
        and exc.file is None
        and spec is not None
        and Path(spec).is_file()
    ):
        exc.file = str(spec)
    data = getattr(args, "file", None)
    if (
        isinstance(exc, SurveyDataError)
        and exc.file is None
        and exc.row is None
        and exc.line is None
        and exc.column is None
        and data is not None
    ):
        exc.file = str(data)
    return exc


def _fit_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`loyaltysem.fit` set on the command line (others: defaults)."""
    options: dict[str, Any] = {}
    if args.estimator is not None:
        options["estimator"] = args.estimator
    if args.missing is not None:
        options["missing"] = args.missing
    if args.ordered is not None:
        options["ordered"] = args.ordered
    if args.parameterization is not None:
        options["parameterization"] = args.parameterization
    if args.std_lv:
        options["std_lv"] = True
    return options


def _clean(survey: Survey) -> tuple[Survey, ScreeningReport]:
    """The screening policy of ``--clean`` (and of ``analyze``): careless respondents out."""
    report = survey.screen()
    return survey.clean(report), report


def _clean_note(survey: Survey, cleaned: Survey) -> str:
    return (
        f"respondents read: {survey.n}; after screening policy: {cleaned.n} "
        f"({len(cleaned.exclusions)} excluded, reasons in cleaned_exclusions.csv)"
    )


# ---------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------


def _cmd_screen(args: argparse.Namespace) -> int:
    survey = _read(args)
    report = survey.screen()
    print(survey.summary())
    print(report.summary())
    if args.out:
        _write_screening(survey, report, args.write_dir)
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace) -> int:
    from loyaltysem._files import write_csv
    from loyaltysem.sem.dispatch import fit

    model, model_name = _model(args.model)
    survey = _read(args)
    data = survey
    if args.clean:
        data, _ = _clean(survey)
    group_options: dict[str, Any] = {}
    if args.group is not None:
        group_options = {
            "group": args.group,
            "group_equal": args.group_equal or (),
            "group_partial": args.group_partial or (),
        }
    result = fit(model, data, **group_options, **_fit_options(args))
    boot = None
    if args.bootstrap:
        from loyaltysem.sem.bootstrap import bootstrap

        boot = bootstrap(
            result,
            args.bootstrap,
            data=data,
            ci=args.ci,
            random_state=args.seed,
            n_jobs=args.jobs,
        )
    print(f"model: {model_name}")
    _note_invalid(survey)
    if args.clean:
        print(f"screening policy --clean: {_clean_note(survey, data)}")
    print(result.summary())
    if boot is not None:
        print(boot.summary())
    if args.out:
        _write_sem(result, args.write_dir, boot=boot)
        if args.clean:
            write_csv(args.write_dir / "cleaned_exclusions.csv", data.exclusions)
    return EXIT_OK


def _cmd_invariance(args: argparse.Namespace) -> int:
    from loyaltysem.sem.invariance import invariance

    survey = _read(args)
    if args.model is None:
        model: object = survey.codebook  # the codebook's constructs: one factor each
    else:
        path = Path(args.model)
        if not path.is_file():
            raise ModelSpecError(
                "the model file does not exist",
                file=str(path),
                expected="a text file with lavaan syntax (the measurement model)",
                fix="check the path, or leave --model out to use the codebook's constructs",
            )
        model = _read_model_file(path)
    options: dict[str, Any] = {}
    if args.parameterization is not None:
        options["parameterization"] = args.parameterization
    inv = invariance(
        model,
        survey,
        args.group,
        estimator=args.estimator,
        std_lv=args.std_lv or args.partial,
        partial=args.partial,
        ordered=args.ordered,
        missing=args.missing or "listwise",
        **options,
    )
    _note_invalid(survey)
    print(inv.summary())
    if args.out:
        _write_invariance(inv, args.write_dir)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from loyaltysem.measurement.validity import validate

    survey = _read(args)
    report = validate(
        survey,
        ordinal=args.ordinal,
        n_boot=args.n_boot,
        random_state=args.seed,
        n_jobs=args.jobs,
        progress=None,
        boot_polychoric=args.boot_polychoric,
    )
    _note_invalid(survey)
    print(report.summary())
    if args.out:
        _write_validation(report, args.write_dir)
    return EXIT_OK


def _cmd_codebook_draft(args: argparse.Namespace) -> int:
    """``loyaltysem codebook draft EXPORT --out codebook.xlsx``: a codebook draft to edit."""
    from loyaltysem._files import check_writable_file
    from loyaltysem.survey.drafting import draft_codebook

    check_writable_file(args.out)  # before reading the export
    draft = draft_codebook(args.export, sheet=args.sheet, encoding=args.encoding)
    path = draft.write(args.out)
    print(f"layout: {draft.layout}")
    for note in draft.notes:
        print(f"- {note}")
    print(f"wrote {path} ({len(draft.frame)} columns): edit it, then pass it as --codebook")
    return EXIT_OK


def _cmd_study_init(args: argparse.Namespace) -> int:
    """``loyaltysem study init [study.toml]``: a commented example study file."""
    from loyaltysem._files import check_writable_file, write_text
    from loyaltysem.study.config import TEMPLATE

    path = Path(args.path)
    if path.exists() and not args.force:
        raise StudyError(
            "the study file exists already",
            file=str(path),
            fix="choose another name, or add --force to overwrite it",
        )
    check_writable_file(path)
    write_text(path, TEMPLATE)
    print(f"wrote {path}: edit it, then run `loyaltysem run {path} --out results`")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    """``loyaltysem run study.toml --out DIR``: the study's chain on every wave."""
    from loyaltysem.study.run import run_study

    out = args.out or "study-output"
    result = run_study(
        args.study,
        out,
        jobs=args.jobs,
        resume=args.resume,
        scheduler=args.scheduler,
        progress=False if args.quiet else None,
    )
    if not args.quiet:
        print(result.summary())
    for w in result.failed:
        print(f"loyaltysem: wave {w.wave} failed ({w.source}): {w.reason}", file=sys.stderr)
    if not args.quiet:  # --quiet (cron): nothing on stdout; failed waves on stderr, exit 3
        print(f"wrote {out}: study_long.csv/.parquet/.xlsx, study_manifest.json, waves/")
    return EXIT_WAVES_FAILED if result.failed else EXIT_OK


def _add_study_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    study = sub.add_parser("study", help="study files (init: write a commented example)")
    tools = study.add_subparsers(
        dest="study_command", required=True, help="init: write an example study.toml"
    )
    init = tools.add_parser("init", help="write a commented example study file to edit")
    init.add_argument("path", nargs="?", default="study.toml", help="the file (study.toml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=_cmd_study_init)
    run = sub.add_parser(
        "run",
        help="run a study file: the whole chain on every survey wave, then the tables "
        "across waves (failed waves are reported; exit code 3 when any failed)",
    )
    run.add_argument("study", help="the study file (study.toml; see `loyaltysem study init`)")
    run.add_argument("--out", help="output folder (default study-output)")
    run.add_argument("--jobs", type=int, default=1, help="waves analysed at once (-1: all cores)")
    run.add_argument(
        "--resume", action="store_true", help="keep the waves an earlier run finished unchanged"
    )
    run.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786)")
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but failed waves on stderr (for cron); study.log keeps every line",
    )
    run.set_defaults(func=_cmd_run)


def _add_codebook_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    codebook = sub.add_parser("codebook", help="codebook tools (draft one from an export)")
    tools = codebook.add_subparsers(
        dest="codebook_command",
        required=True,
        help="draft: write a codebook draft from a survey export",
    )
    draft = tools.add_parser(
        "draft",
        help="read a survey export (问卷星, 腾讯问卷, Qualtrics, SPSS, any table) and write a "
        "codebook draft to edit: one row per column, roles, scales, suggested constructs",
    )
    draft.add_argument("export", help="the export: .csv .tsv .xlsx .sav .dta .parquet")
    draft.add_argument(
        "--out", required=True, help="the draft to write: .xlsx (to edit in Excel), .csv, .toml"
    )
    draft.add_argument("--sheet", help="Excel sheet with the responses (default: the first)")
    draft.add_argument("--encoding", help="text encoding of a CSV (detected when omitted)")
    draft.set_defaults(func=_cmd_codebook_draft)


def _chain(
    survey: Survey, args: argparse.Namespace, *, model: str, measurement: object
) -> Analysis:
    """Run the chain of ``analyze``, ``demo`` and ``report`` (nothing is written here)."""
    from loyaltysem.study.chain import analyze

    chosen = {
        k: v for k, v in (("estimator", args.estimator), ("missing", args.missing)) if v is not None
    }
    if args.ordered is not None:
        chosen["ordered"] = args.ordered
    return analyze(
        survey,
        model=model,
        measurement=measurement,
        estimator=chosen or None,
        estimator_source="the estimator given on the command line",
        n_boot=args.n_boot,
        random_state=args.seed,
        n_jobs=args.jobs,
        group=args.group,
    )


def _write_chain_report(
    chain: Analysis, out: Path, *, formats: Sequence[str] | None, lang: str
) -> list[Path]:
    """The report documents of the chain (``report.write``; its default formats if None)."""
    from loyaltysem.report import write as write_report

    chosen = {} if formats is None else {"formats": tuple(formats)}
    return write_report(
        out,
        survey=chain.cleaned,
        screening=chain.screening,
        validation=chain.validation,
        fit=chain.fit,
        effects=chain.effects,
        invariance=chain.invariance,
        recommendation=chain.recommendation,
        lang=lang,
        **chosen,
    )


def _run_chain(
    survey: Survey,
    args: argparse.Namespace,
    *,
    model: str,
    model_name: str,
    measurement: object,
    header: str,
) -> int:
    """The demo's chain: screen, clean, validate, recommend, fit with effects, invariance."""
    from loyaltysem._files import write_csv, write_text
    from loyaltysem.survey.missingness import missing_patterns

    out: Path = args.write_dir
    chain = _chain(survey, args, model=model, measurement=measurement)
    report, cleaned, report_mm, rec = (
        chain.screening,
        chain.cleaned,
        chain.validation,
        chain.recommendation,
    )
    result, inv = chain.fit, chain.invariance
    _write_screening(survey, report, out)
    write_csv(out / "cleaned_exclusions.csv", cleaned.exclusions)
    _write_validation(report_mm, out)
    patterns = missing_patterns(cleaned)
    write_csv(out / "missing_patterns.csv", patterns.table)
    write_csv(out / "missing_coverage.csv", patterns.coverage)
    write_csv(out / "estimator_items.csv", rec.items)
    write_text(out / "estimator_recommendation.txt", rec.summary())
    _write_sem(result, out)
    if inv is not None:
        _write_invariance(inv, out)
    written = _write_chain_report(chain, out, formats=None, lang=args.lang)
    print(header)
    print(f"  model: {model_name}")
    print(f"  {_clean_note(survey, cleaned)}")
    _note_invalid(survey)
    print(report.summary())
    print(report_mm.summary())
    print(rec.summary())
    print(f"SEM: fitted with {chain.how}")
    print(result.summary())
    if inv is not None:
        print(f"measurement invariance across {args.group!r}: {chain.invariance_how}")
        print(inv.summary())
    print("report: " + ", ".join(p.name for p in written))
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace) -> int:
    from loyaltysem import __version__

    model, model_name = _model(args.model)
    survey = _read(args)
    header = f"loyaltysem {__version__} analyze: {args.file} (codebook {args.codebook})"
    return _run_chain(
        survey,
        args,
        model=model,
        model_name=model_name,
        measurement=survey.codebook,
        header=header,
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from loyaltysem import __version__
    from loyaltysem.datasets import dataset_path, load_ecommerce
    from loyaltysem.instruments import DEFAULT_MODEL, default_instrument

    chain = argparse.Namespace(
        out=args.out,
        write_dir=args.write_dir,
        n_boot=1000,
        seed=DEMO_SEED,
        jobs=1,
        group="wave",
        estimator=None,
        missing=None,
        ordered=None,
        lang=args.lang,
    )
    header = (
        f"loyaltysem {__version__} demo: bundled e-commerce survey ({dataset_path('ecommerce')})"
    )
    return _run_chain(
        load_ecommerce(),
        chain,
        model=DEFAULT_MODEL,
        model_name="the bundled default e-commerce model (--model default)",
        measurement=default_instrument(),
        header=header,
    )


def _cmd_report(args: argparse.Namespace) -> int:
    """``loyaltysem report``: the chain of ``analyze``, writing only the report documents."""
    from loyaltysem import __version__

    model, model_name = _model(args.model)
    survey = _read(args)
    chain = _chain(survey, args, model=model, measurement=survey.codebook)
    written = _write_chain_report(chain, args.write_dir, formats=args.format, lang=args.lang)
    print(f"loyaltysem {__version__} report: {args.file} (codebook {args.codebook})")
    print(f"  model: {model_name}")
    cleaned = chain.cleaned
    print(
        f"  respondents read: {survey.n}; after screening policy: {cleaned.n} "
        f"({len(cleaned.exclusions)} excluded, by reason in the report's sample table)"
    )
    _note_invalid(survey)
    print(f"  SEM: fitted with {chain.how} ({chain.fit.status.label})")
    if chain.invariance is not None:
        print(
            f"  measurement invariance across {args.group!r}: {chain.invariance_how} "
            f"({chain.invariance.status.label})"
        )
    if not chain.fit.status.ok:
        print("  the report marks the improper result (a red banner in report.html)")
    print("report: " + ", ".join(p.name for p in written))
    return EXIT_OK


# ---------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _ordered(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(
            f"expected item names separated by commas (e.g. LOY1,LOY2), got {text!r}; "
            "or give --ordered alone for every item"
        )
    return items


def _group_equal(text: str) -> list[str]:
    kinds = [t.strip() for t in text.split(",") if t.strip()]
    bad = [k for k in kinds if k not in GROUP_EQUAL]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown kind {', '.join(map(repr, bad)) or repr(text)}; choose from "
            f"{', '.join(GROUP_EQUAL)}, separated by commas (e.g. --group-equal "
            "loadings,intercepts)"
        )
    return kinds


def _formats(text: str) -> list[str]:
    """``--format``: report formats separated by commas, each one ``report.write`` writes."""
    from loyaltysem.report import FORMATS

    chosen = [t.strip().lower().lstrip(".") for t in text.split(",") if t.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown report format {', '.join(map(repr, bad)) or repr(text)}; choose from "
            f"{', '.join(FORMATS)}, separated by commas (e.g. --format html,docx)"
        )
    return list(dict.fromkeys(chosen))


def _add_survey_options(p: argparse.ArgumentParser) -> None:
    """The survey file and the options of reading it (every command that reads a survey)."""
    p.add_argument("file", help="survey file: .csv .tsv .xlsx .sav .dta .parquet")
    p.add_argument("--codebook", required=True, help="codebook: .csv .xlsx .toml .yaml .json")
    p.add_argument("--sheet", help="Excel sheet with the responses (default: the first)")
    p.add_argument("--encoding", help="text encoding of a CSV (detected when omitted)")
    p.add_argument(
        "--unknown-columns",
        choices=["error", "keep", "ignore"],
        default="error",
        help="columns of the file the codebook does not name: stop with an error naming "
        "them (default), keep them beside the items, or ignore them",
    )
    p.add_argument(
        "--invalid",
        choices=["raise", "missing"],
        default="raise",
        help="out-of-range or unlabelled answers: stop with an error naming the cell "
        "(default), or set them missing and count them in the survey log",
    )


def _add_estimator_options(p: argparse.ArgumentParser, *, ordered_help: str) -> None:
    p.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        help="ML (default), MLM or MLR (robust), WLSMV or ULSMV (with --ordered; the "
        "default then is WLSMV)",
    )
    p.add_argument(
        "--missing",
        choices=MISSING,
        help="missing answers: listwise deletion (default), full-information ML (ml; ML or "
        "MLR), ml.x (FIML keeping respondents missing a covariate), or pairwise "
        "(pairwise-present covariances; with --ordered, thresholds and polychorics)",
    )
    p.add_argument(
        "--ordered",
        nargs="?",
        const=True,
        type=_ordered,
        metavar="ITEMS",
        help=ordered_help,
    )
    p.add_argument(
        "--parameterization",
        choices=["delta", "theta"],
        help="with --ordered: delta (default: var(y*) = 1) or theta (residual variances 1)",
    )
    p.add_argument("--std-lv", action="store_true", help="scale latents by their variance")


LANG_HELP = "language of the report (report.html, .docx, .xlsx, .md): en, or zh (Chinese labels)"


def _parser() -> argparse.ArgumentParser:
    from loyaltysem import __version__

    parser = argparse.ArgumentParser(
        prog="loyaltysem",
        description="Survey-based SEM for e-commerce trust and loyalty research. Exit codes: "
        "0 success, 2 bad input (the message names it and the fix), 1 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"loyaltysem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="run the whole chain on the bundled example survey (analyze on the bundled "
        "file, codebook and default model, across the waves)",
    )
    demo.add_argument("--out", default="loyaltysem-demo", help="output folder (created)")
    demo.add_argument("--lang", choices=("en", "zh"), default="en", help=LANG_HELP)
    demo.set_defaults(func=_cmd_demo)

    ana = sub.add_parser(
        "analyze",
        help="run the demo's chain on your own file and codebook: screening, cleaning, "
        "measurement report, estimator recommendation, the fit with its effects, invariance",
    )
    _add_survey_options(ana)
    ana.add_argument("--model", help="the structural model: " + MODEL_CHOICES)
    ana.add_argument(
        "--group",
        help="grouping column (e.g. wave): test measurement invariance across its groups",
    )
    ana.add_argument("--out", required=True, help="output folder (created)")
    ana.add_argument("--lang", choices=("en", "zh"), default="en", help=LANG_HELP)
    ana.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        help="the estimator of the fit and the ladder (default: the recommended one)",
    )
    ana.add_argument(
        "--missing", choices=MISSING, help="missing answers (default: the recommended way)"
    )
    ana.add_argument(
        "--ordered",
        nargs="?",
        const=True,
        type=_ordered,
        metavar="ITEMS",
        help="items as ordinal (all, or a comma list), instead of the recommendation",
    )
    ana.add_argument(
        "--n-boot", type=int, default=1000, help="bootstrap draws for HTMT CIs (default 1000)"
    )
    ana.add_argument("--seed", type=int, help="random seed of the bootstrap (reproducible runs)")
    ana.add_argument("--jobs", type=int, default=1, help="processes for the bootstrap (-1: all)")
    ana.set_defaults(func=_cmd_analyze)

    rep = sub.add_parser(
        "report",
        help="the chain of analyze (screening, cleaning, validation, the fit with its effects, "
        "invariance with --group), writing only the report: HTML, Word, Excel, Markdown",
    )
    _add_survey_options(rep)
    rep.add_argument("--model", help="the structural model: " + MODEL_CHOICES)
    rep.add_argument(
        "--group", help="grouping column (e.g. wave): the invariance section across its groups"
    )
    rep.add_argument("--out", required=True, help="output folder (created)")
    rep.add_argument(
        "--format",
        type=_formats,
        metavar="FORMATS",
        help="report formats separated by commas: html, docx, xlsx, md (default: all of them)",
    )
    rep.add_argument("--lang", choices=("en", "zh"), default="en", help=LANG_HELP)
    rep.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        help="the estimator of the fit and the ladder (default: the recommended one)",
    )
    rep.add_argument(
        "--missing", choices=MISSING, help="missing answers (default: the recommended way)"
    )
    rep.add_argument(
        "--ordered",
        nargs="?",
        const=True,
        type=_ordered,
        metavar="ITEMS",
        help="items as ordinal (all, or a comma list), instead of the recommendation",
    )
    rep.add_argument(
        "--n-boot", type=int, default=1000, help="bootstrap draws for HTMT CIs (default 1000)"
    )
    rep.add_argument("--seed", type=int, help="random seed of the bootstrap (reproducible runs)")
    rep.add_argument("--jobs", type=int, default=1, help="processes for the bootstrap (-1: all)")
    rep.set_defaults(func=_cmd_report)

    scr = sub.add_parser("screen", help="load a survey file with its codebook and screen it")
    _add_survey_options(scr)
    scr.add_argument("--out", help="folder for the screening tables (CSV, full precision)")
    scr.set_defaults(func=_cmd_screen)

    fit = sub.add_parser(
        "fit", help="fit a structural equation model (lavaan's numbers), as loyaltysem.fit"
    )
    _add_survey_options(fit)
    fit.add_argument("--model", help="the model to fit (required): " + MODEL_CHOICES)
    _add_estimator_options(
        fit,
        ordered_help="items as ordinal (lavaan ordered=): --ordered alone for every item of "
        "the model, or a comma list (--ordered LOY1,LOY2); put it after the file name",
    )
    fit.add_argument("--group", help="grouping column: fit the model in every group at once")
    fit.add_argument(
        "--group-equal",
        type=_group_equal,
        metavar="KINDS",
        help="with --group, parameters equal across groups, comma-separated: "
        + ", ".join(GROUP_EQUAL),
    )
    fit.add_argument(
        "--group-partial",
        action="append",
        metavar="PARAMETER",
        help="with --group-equal, a parameter freed from it (e.g. 'LOY =~ LOY2'); repeatable",
    )
    fit.add_argument(
        "--clean",
        action="store_true",
        help="screening policy: remove careless respondents (as survey.clean()) before the "
        "fit; their number is printed and the reasons written to cleaned_exclusions.csv",
    )
    fit.add_argument(
        "--bootstrap",
        type=_positive_int,
        metavar="N",
        help="bootstrap N draws: SEs and intervals of every estimate, written to "
        "sem_bootstrap.csv (ML, MLM, MLR)",
    )
    fit.add_argument("--seed", type=int, help="with --bootstrap: the random seed")
    fit.add_argument(
        "--ci",
        choices=["percentile", "bc", "bca"],
        default="percentile",
        help="with --bootstrap: the interval type (default percentile)",
    )
    fit.add_argument(
        "--jobs", type=int, default=1, help="with --bootstrap: processes (-1: every core)"
    )
    fit.add_argument("--out", help="folder for the result tables (CSV, full precision)")
    fit.set_defaults(func=_cmd_fit)

    inv = sub.add_parser(
        "invariance",
        help="measurement invariance across groups or waves (configural to strict)",
    )
    _add_survey_options(inv)
    inv.add_argument("--group", required=True, help="the grouping column, e.g. wave")
    inv.add_argument(
        "--model", help="lavaan syntax file of the measurement model (default: the codebook's)"
    )
    _add_estimator_options(
        inv,
        ordered_help="items as ordinal (all, or a comma list): WLSMV on polychoric "
        "correlations, the ladder configural -> thresholds -> scalar (Wu & Estabrook 2016)",
    )
    inv.add_argument(
        "--partial",
        action="store_true",
        help="search for partial invariance where a level fails (frees the largest score "
        "tests; implies --std-lv so that every loading can be tested)",
    )
    inv.add_argument("--out", help="folder for the tables (CSV, full precision)")
    inv.set_defaults(func=_cmd_invariance)

    val = sub.add_parser("validate", help="reliability, convergent and discriminant validity")
    _add_survey_options(val)
    val.add_argument("--n-boot", type=int, default=2000, help="bootstrap draws for HTMT CIs")
    val.add_argument("--seed", type=int, default=None, help="random seed of the bootstrap")
    val.add_argument("--jobs", type=int, default=1, help="processes for the bootstrap (-1: all)")
    val.add_argument(
        "--ordinal",
        action="store_true",
        help="treat the items as ordinal: polychoric correlations, WLSMV CFA, ordinal alpha, "
        "categorical omega",
    )
    val.add_argument(
        "--boot-polychoric",
        action="store_true",
        help="with --ordinal, bootstrap the polychoric HTMT (slow; default: Pearson HTMT)",
    )
    val.add_argument("--out", help="folder for the report tables (CSV, full precision)")
    val.set_defaults(func=_cmd_validate)

    _add_codebook_parser(sub)
    _add_study_parsers(sub)
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Options that only mean something together (argparse cannot say so)."""
    if args.command != "fit":
        return
    if args.group is None and (args.group_equal or args.group_partial):
        parser.error("--group-equal and --group-partial need --group (e.g. --group wave)")
    if args.group_partial and not args.group_equal:
        parser.error("--group-partial frees a parameter of --group-equal: give --group-equal")
    if not args.bootstrap and (args.seed is not None or args.jobs != 1):
        parser.error("--seed and --jobs set the bootstrap: give --bootstrap N (e.g. 2000)")


def _print_warnings(caught: list[warnings.WarningMessage], command: str) -> None:
    """The library's warnings (improper solutions, missing data), each once, on stderr."""
    seen: set[str] = set()
    for w in caught:
        if not issubclass(w.category, LoyaltySemWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
            continue
        text = cli_terms(str(w.message), command)
        if text not in seen:
            seen.add(text)
            print(f"loyaltysem: warning ({w.category.__name__}): {text}", file=sys.stderr)


def _write_status(out: Path, name: str, status: Status) -> Path:
    """``NAME_status.csv``: each check (converged, admissible, identified) and its reasons."""
    from loyaltysem._files import write_csv

    table = status.to_frame()
    table.insert(0, "result", name)
    table.insert(1, "ok", status.ok)
    return write_csv(out / f"{name}_status.csv", table, index=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 bad input, 1 internal error).

    Examples
    --------
    >>> main(["fit", "responses.csv", "--codebook", "cb.csv", "--estimator", "GLS"])
    2
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        _check(parser, args)
    except SystemExit as exc:  # --help, --version, or a bad option (argparse printed it)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    folder: OutputFolder | None = None
    try:
        folder = _output_folder(args, sys.argv[1:] if argv is None else list(argv))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LoyaltySemWarning)
            code = int(args.func(args))
        _print_warnings(caught, args.command)
        if folder is not None:
            written = folder.commit()
            _print_written(
                written, Path(args.out), names=args.command in ("demo", "analyze", "report")
            )
        return code
    except LoyaltySemError as exc:
        exc = _with_model_file(exc, args)
        print(f"loyaltysem: error: {_message(exc, args.command)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # permission, full or read-only disk: the path and the fix
        print(f"loyaltysem: error: {_os_error_message(exc, folder)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130
    except Exception:  # an internal error: say so, with the traceback for a bug report
        print("loyaltysem: internal error (please report it with this traceback):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL
    finally:
        if folder is not None:
            folder.discard()  # after a failure: the staging folder goes, the target stays


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
