"""The ``loyaltysem`` command line: a thin layer over the Python API.

This is the only module that prints or exits. Exit codes: 0 success, 2 bad input
(a message on stderr, no traceback), 1 internal error.

Examples
--------
Run the whole chain on the bundled example and write its tables::

    loyaltysem demo --out demo-output

Screen your own questionnaire export::

    loyaltysem screen responses.csv --codebook codebook.csv --out screening

Fit a model (lavaan syntax in a file, or the default e-commerce model)::

    loyaltysem fit responses.csv --codebook codebook.csv --model model.lav --out sem

Test measurement invariance across survey waves::

    loyaltysem invariance responses.csv --codebook codebook.csv --group wave --partial
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from loyaltysem import __version__
from loyaltysem._files import write_csv, write_text
from loyaltysem.errors import LoyaltySemError, ModelSpecError
from loyaltysem.guidance import EstimatorRecommendation, recommend_estimator
from loyaltysem.missingness import missing_patterns
from loyaltysem.results import SEMResult
from loyaltysem.screening import ScreeningReport
from loyaltysem.survey import Survey, read_survey

if TYPE_CHECKING:
    from loyaltysem.groups import InvarianceResult
    from loyaltysem.validity import MeasurementReport

__all__ = ["main"]

#: Seed of the demo's bootstrap (HTMT intervals), so the demo's outputs are reproducible.
DEMO_SEED = 20261122

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


def _write_screening(survey: Survey, report: ScreeningReport, out: Path) -> list[Path]:
    """Write the survey log and every screening table; return the paths written."""
    written = [
        write_csv(out / "survey_log.csv", survey.log_frame(), index=False),
        write_csv(out / "screening_items.csv", report.items),
        write_csv(out / "screening_missing.csv", report.missing),
        write_csv(out / "screening_careless.csv", report.careless),
        write_csv(out / "screening_outliers.csv", report.outliers),
        write_csv(out / "screening_mardia.csv", report.mardia.to_frame()),
        write_csv(out / "exclusions.csv", report.exclusions()),
    ]
    if len(survey.invalid):
        written.append(write_csv(out / "invalid_cells.csv", survey.invalid, index=False))
    text = survey.summary() + "\n" + report.summary()
    written.append(write_text(out / "screening_summary.txt", text))
    return written


def _write_sem(result: SEMResult, out: Path, prefix: str = "sem") -> list[Path]:
    """Write the tables of a fitted model (full precision) and its summary."""
    from loyaltysem.effects import effects

    mi = result.modification_indices(minimum_value=3.84)
    paths = [
        write_csv(out / f"{prefix}_estimates.csv", result.estimates, index=False),
        write_csv(out / f"{prefix}_fit_measures.csv", result.fit_measures.to_frame("value")),
        write_csv(out / f"{prefix}_r2.csv", result.r2.to_frame("r2")),
        write_csv(out / f"{prefix}_residuals_cor.csv", result.residuals("cor")),
        write_csv(out / f"{prefix}_modification_indices.csv", mi, index=False),
        write_text(out / f"{prefix}_summary.txt", result.summary()),
    ]
    if (result.estimates["op"] == "~").any():  # a structural model: its effects
        eff = effects(result)
        paths += [
            write_csv(out / f"{prefix}_effects.csv", eff.table, index=False),
            write_csv(out / f"{prefix}_mediation.csv", eff.mediation, index=False),
        ]
    return paths


def _write_invariance(inv: InvarianceResult, out: Path) -> list[Path]:
    """Write the invariance ladder (full precision), the partial search and the summary."""
    paths = [
        write_csv(out / "invariance_table.csv", inv.table),
        write_text(out / "invariance_summary.txt", inv.summary()),
    ]
    if len(inv.partial):
        paths.append(write_csv(out / "invariance_partial.csv", inv.partial, index=False))
    for level, res in inv.fits.items():
        paths.append(
            write_csv(out / f"invariance_{level}_estimates.csv", res.estimates, index=False)
        )
    return paths


def _invariance_recommended(
    model: object, survey: Survey, group: str, rec: EstimatorRecommendation
) -> tuple[InvarianceResult, str]:
    """The ladder with the recommended estimator; ML listwise (saying so) if not available."""
    from loyaltysem.groups import invariance

    options = {"std_lv": True, "partial": True, "partial_criterion": "chisq"}
    try:
        inv = invariance(model, survey, group, **options, **rec.fit_kwargs)
        return inv, f"{rec.estimator}, missing={rec.missing!r} (recommended)"
    except ModelSpecError as exc:
        if "not available" not in str(exc):
            raise
        inv = invariance(model, survey, group, **options)
        return inv, (
            f"the recommended {rec.estimator} (missing={rec.missing!r}) is not available for "
            f"the ladder yet; ML with listwise deletion instead ({exc.reason})"
        )


def _write_validation(report: MeasurementReport, out: Path) -> list[Path]:
    """Write the measurement report's tables (full precision) and its summary."""
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


def _cmd_demo(args: argparse.Namespace) -> int:
    from loyaltysem.datasets import dataset_path, load_ecommerce

    out = Path(args.out)
    survey = load_ecommerce()
    report = survey.screen()
    cleaned = survey.clean(report)
    paths = _write_screening(survey, report, out)
    paths.append(write_csv(out / "cleaned_exclusions.csv", cleaned.exclusions))
    from loyaltysem.instruments import DEFAULT_MODEL
    from loyaltysem.validity import validate

    report_mm = validate(cleaned, n_boot=1000, random_state=DEMO_SEED)
    paths += _write_validation(report_mm, out)
    patterns = missing_patterns(cleaned)
    paths += [
        write_csv(out / "missing_patterns.csv", patterns.table),
        write_csv(out / "missing_coverage.csv", patterns.coverage),
    ]
    rec = recommend_estimator(cleaned)
    paths += [
        write_csv(out / "estimator_items.csv", rec.items),
        write_text(out / "estimator_recommendation.txt", rec.summary()),
    ]
    result, how = _fit_recommended(DEFAULT_MODEL, cleaned, rec)
    paths += _write_sem(result, out)
    from loyaltysem.instruments import default_instrument

    inv, inv_how = _invariance_recommended(default_instrument(), cleaned, "wave", rec)
    paths += _write_invariance(inv, out)
    print(f"loyaltysem {__version__} demo: bundled e-commerce survey ({dataset_path('ecommerce')})")
    print(
        f"  respondents read: {survey.n}; after screening policy: {cleaned.n} "
        f"({len(cleaned.exclusions)} excluded, reasons in cleaned_exclusions.csv)"
    )
    print(report.summary())
    print(report_mm.summary())
    print(rec.summary())
    print(f"SEM: {how}")
    print(result.summary())
    print(f"measurement invariance across the survey waves: {inv_how}")
    print(inv.summary())
    print(f"wrote {len(paths)} files to {out}:")
    for p in paths:
        print(f"  {p.name}")
    return EXIT_OK


def _fit_recommended(
    model: str, survey: Survey, rec: EstimatorRecommendation
) -> tuple[SEMResult, str]:
    """Fit with the recommended estimator; fall back to ML (saying so) if not yet available."""
    from loyaltysem.estimation import fit

    try:
        return fit(model, survey, **rec.fit_kwargs), (
            f"fitted with the recommended estimator {rec.estimator} (missing={rec.missing!r})"
        )
    except ModelSpecError as exc:
        if "is not available" not in str(exc):
            raise
        return fit(model, survey), (
            f"the recommended estimator {rec.estimator} (missing={rec.missing!r}) is not "
            "available yet in this version; fitted ML with listwise deletion instead "
            f"({exc.reason})"
        )


def _cmd_screen(args: argparse.Namespace) -> int:
    survey = read_survey(
        args.file,
        args.codebook,
        sheet=args.sheet,
        encoding=args.encoding,
        unknown_columns=args.unknown_columns,
        invalid=args.invalid,
    )
    report = survey.screen()
    print(survey.summary())
    print(report.summary())
    if args.out:
        paths = _write_screening(survey, report, Path(args.out))
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace) -> int:
    from loyaltysem.estimation import fit
    from loyaltysem.instruments import DEFAULT_MODEL, RIVAL_MODEL

    templates = {"default": DEFAULT_MODEL, "rival": RIVAL_MODEL}
    if args.model in templates:
        model = templates[args.model]
    else:
        path = Path(args.model)
        if not path.is_file():
            raise ModelSpecError(
                "the model file does not exist",
                file=str(path),
                expected="a text file with lavaan syntax, or 'default' / 'rival'",
                fix="check the path, or use --model default",
            )
        model = path.read_text(encoding="utf-8-sig")
    survey = read_survey(
        args.file, args.codebook, sheet=args.sheet, encoding=args.encoding, invalid=args.invalid
    )
    result = fit(model, survey, std_lv=args.std_lv)
    print(result.summary())
    if args.out:
        paths = _write_sem(result, Path(args.out))
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _cmd_invariance(args: argparse.Namespace) -> int:
    from loyaltysem.groups import invariance

    survey = read_survey(
        args.file, args.codebook, sheet=args.sheet, encoding=args.encoding, invalid=args.invalid
    )
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
        model = path.read_text(encoding="utf-8-sig")
    inv = invariance(
        model,
        survey,
        args.group,
        estimator=args.estimator,
        std_lv=args.std_lv or args.partial,
        partial=args.partial,
        ordered=True if args.ordered else None,
        missing=args.missing,
    )
    print(inv.summary())
    if args.out:
        paths = _write_invariance(inv, Path(args.out))
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from loyaltysem.validity import validate

    survey = read_survey(
        args.file, args.codebook, sheet=args.sheet, encoding=args.encoding, invalid=args.invalid
    )
    report = validate(
        survey,
        ordinal=args.ordinal,
        n_boot=args.n_boot,
        random_state=args.seed,
        n_jobs=args.jobs,
        progress=None,
        boot_polychoric=args.boot_polychoric,
    )
    print(report.summary())
    if args.out:
        paths = _write_validation(report, Path(args.out))
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _cmd_codebook_draft(args: argparse.Namespace) -> int:
    """``loyaltysem codebook draft EXPORT --out codebook.xlsx``: a codebook draft to edit."""
    from loyaltysem.survey.drafting import draft_codebook

    draft = draft_codebook(args.export, sheet=args.sheet, encoding=args.encoding)
    path = draft.write(args.out)
    print(f"layout: {draft.layout}")
    for note in draft.notes:
        print(f"- {note}")
    print(f"wrote {path} ({len(draft.frame)} columns): edit it, then pass it as --codebook")
    return EXIT_OK


def _add_codebook_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    codebook = sub.add_parser("codebook", help="codebook tools (draft one from an export)")
    tools = codebook.add_subparsers(dest="codebook_command", required=True)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyaltysem",
        description="Survey-based SEM for e-commerce trust and loyalty research.",
    )
    parser.add_argument("--version", action="version", version=f"loyaltysem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole chain on the bundled example survey")
    demo.add_argument("--out", default="loyaltysem-demo", help="output folder (created)")
    demo.set_defaults(func=_cmd_demo)

    scr = sub.add_parser("screen", help="load a survey file with its codebook and screen it")
    scr.add_argument("file", help="survey file: .csv .tsv .xlsx .sav .dta .parquet")
    scr.add_argument("--codebook", required=True, help="codebook: .csv .xlsx .toml .yaml .json")
    scr.add_argument("--out", help="folder for the screening tables (CSV, full precision)")
    scr.add_argument("--sheet", help="Excel sheet with the responses")
    scr.add_argument("--encoding", help="text encoding (detected when omitted)")
    scr.add_argument(
        "--unknown-columns",
        choices=["error", "keep", "ignore"],
        default="error",
        help="columns the codebook does not name (default: error)",
    )
    scr.add_argument(
        "--invalid",
        choices=["raise", "missing"],
        default="raise",
        help="out-of-range or unlabelled answers: stop (default) or set missing and count",
    )
    scr.set_defaults(func=_cmd_screen)

    fit = sub.add_parser("fit", help="fit a structural equation model (ML, lavaan's numbers)")
    fit.add_argument("file", help="survey file: .csv .tsv .xlsx .sav .dta .parquet")
    fit.add_argument("--codebook", required=True, help="codebook: .csv .xlsx .toml .yaml .json")
    fit.add_argument(
        "--model",
        default="default",
        help="lavaan syntax file, or 'default' / 'rival' (the e-commerce templates)",
    )
    fit.add_argument("--std-lv", action="store_true", help="scale latents by their variance")
    fit.add_argument("--out", help="folder for the result tables (CSV, full precision)")
    fit.add_argument("--sheet", help="Excel sheet with the responses")
    fit.add_argument("--encoding", help="text encoding (detected when omitted)")
    fit.add_argument("--invalid", choices=["raise", "missing"], default="raise")
    fit.set_defaults(func=_cmd_fit)

    inv = sub.add_parser(
        "invariance",
        help="measurement invariance across groups or waves (configural to strict)",
    )
    inv.add_argument("file", help="survey file: .csv .tsv .xlsx .sav .dta .parquet")
    inv.add_argument("--codebook", required=True, help="codebook: .csv .xlsx .toml .yaml .json")
    inv.add_argument("--group", required=True, help="the grouping column, e.g. wave")
    inv.add_argument(
        "--model", help="lavaan syntax file of the measurement model (default: the codebook's)"
    )
    inv.add_argument(
        "--estimator",
        choices=["ML", "MLR", "MLM", "WLSMV", "ULSMV"],
        help="default: ML, or WLSMV with --ordered",
    )
    inv.add_argument(
        "--ordered",
        action="store_true",
        help="items as ordinal: WLSMV on polychoric correlations, the ladder configural -> "
        "thresholds -> scalar (Wu & Estabrook 2016)",
    )
    inv.add_argument(
        "--partial",
        action="store_true",
        help="search for partial invariance where a level fails (frees the largest score "
        "tests; implies --std-lv so that every loading can be tested)",
    )
    inv.add_argument(
        "--missing",
        choices=["listwise", "ml", "pairwise"],
        default="listwise",
        help="missing answers: listwise deletion (default), full-information ML (ml; ML or "
        "MLR), or pairwise (with --ordered)",
    )
    inv.add_argument("--std-lv", action="store_true", help="scale latents by their variance")
    inv.add_argument("--out", help="folder for the tables (CSV, full precision)")
    inv.add_argument("--sheet", help="Excel sheet with the responses")
    inv.add_argument("--encoding", help="text encoding (detected when omitted)")
    inv.add_argument("--invalid", choices=["raise", "missing"], default="raise")
    inv.set_defaults(func=_cmd_invariance)

    val = sub.add_parser("validate", help="reliability, convergent and discriminant validity")
    val.add_argument("file", help="survey file: .csv .tsv .xlsx .sav .dta .parquet")
    val.add_argument("--codebook", required=True, help="codebook: .csv .xlsx .toml .yaml .json")
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
    val.add_argument("--sheet", help="Excel sheet with the responses")
    val.add_argument("--encoding", help="text encoding (detected when omitted)")
    val.add_argument("--invalid", choices=["raise", "missing"], default="raise")
    val.set_defaults(func=_cmd_validate)

    _add_codebook_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LoyaltySemError as exc:
        print(f"loyaltysem: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130
    except Exception:  # an internal error: say so, with the traceback for a bug report
        print("loyaltysem: internal error (please report it with this traceback):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
