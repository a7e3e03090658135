"""The dependency decisions in docs/dependencies.md, checked on the installed versions.

- the default install (``[project] dependencies``) is exactly what ``src/loyaltysem`` imports;
- semopy, factor_analyzer and scikit-learn live in the ``crosscheck`` extra, which the
  ``test`` extra pulls in, so CI installs and tests them;
- the library works with all three absent (a subprocess that cannot import them runs
  ``fit``, ``validate``, ``screen`` and the demo);
- factor_analyzer 0.5.1 needs scikit-learn < 1.8 (design.md §9): the bound is declared in the
  extra, the installed scikit-learn satisfies it, and ``FactorAnalyzer.fit`` works on real data.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn
from factor_analyzer import FactorAnalyzer, calculate_bartlett_sphericity, calculate_kmo
from packaging.requirements import Requirement
from packaging.version import Version
from sklearn.utils import check_array

from loyaltysem.datasets import dataset_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "loyaltysem"
HS = dataset_path("holzinger_swineford")
PEERS = {"semopy", "factor-analyzer", "scikit-learn"}
# import name -> distribution name, where they differ
DISTRIBUTION = {
    "docx": "python-docx",
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "factor_analyzer": "factor-analyzer",
}
# declared and used, but imported by pandas on our behalf (none: pyarrow is also imported by
# the reader of large CSV files, survey/io.py)
USED_THROUGH_PANDAS: set[str] = set()


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def requirements(group: str | None = None) -> dict[str, Requirement]:
    meta = project()
    lines = meta["dependencies"] if group is None else meta["optional-dependencies"][group]
    reqs = (Requirement(line) for line in lines)
    return {canonical(r.name): r for r in reqs}


def imported_distributions() -> dict[str, list[tuple[str, bool]]]:
    """Third-party distributions imported in src/loyaltysem: (file:line, at module level)."""
    out: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "loyaltysem" or top in sys.stdlib_module_names:
                    continue
                dist = canonical(DISTRIBUTION.get(top, top))
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                out.setdefault(dist, []).append((where, id(node) not in in_function))
    return out


#: imported by src only inside functions, declared in an extra (docs/dependencies.md)
#: (extra, requirement in it)
OPTIONAL = {"sqlalchemy": ("sql", "sqlalchemy"), "distributed": ("dask", "dask")}


def test_optional_libraries_are_in_their_extras_and_imported_lazily():
    found = imported_distributions()
    for dist, (extra, name) in OPTIONAL.items():
        assert name in requirements(extra), dist
        assert found[dist], dist
        assert not any(module_level for _, module_level in found[dist]), dist
    assert "distributed" in requirements("dask")["dask"].extras
    assert {"crosscheck", "sql", "dask"} <= requirements("test")["loyaltysem"].extras


def test_the_default_install_is_exactly_what_the_library_imports():
    imported = set(imported_distributions()) - PEERS - set(OPTIONAL)
    declared = set(requirements())
    assert imported - declared == set(), "imported by src but not a declared dependency"
    assert declared - imported == USED_THROUGH_PANDAS, "declared but never imported"
    # the scan sees through lazy imports inside functions (pyreadstat, openpyxl are such)
    assert {"numpy", "pandas", "scipy", "pyreadstat", "openpyxl", "pyyaml"} <= imported


def test_semopy_is_called_in_one_module_only_when_given_a_semopy_model():
    found = {k: v for k, v in imported_distributions().items() if k in PEERS}
    assert set(found) == {"semopy"}  # factor_analyzer and scikit-learn: nowhere
    assert {where.split(":")[0] for where, _ in found["semopy"]} == {
        "src/loyaltysem/sem/_semopy.py"
    }
    assert not any(module_level for _, module_level in found["semopy"])


def test_peer_libraries_are_in_the_crosscheck_extra_only():
    core = requirements()
    crosscheck = requirements("crosscheck")
    assert PEERS.isdisjoint(core)
    assert set(crosscheck) == PEERS
    # README's test command installs '.[test]': it must bring the extra, so CI tests it
    assert "crosscheck" in requirements("test")["loyaltysem"].extras


def test_scikit_learn_bound_is_declared_and_installed():
    spec = requirements("crosscheck")["scikit-learn"].specifier
    assert not spec.contains("1.8.0") and spec.contains("1.7.2")
    assert Version(sklearn.__version__) in spec
    fa = requirements("crosscheck")["factor-analyzer"].specifier
    assert Version(version("factor_analyzer")) in fa


def test_the_bound_is_the_reason_factor_analyzer_works():
    """factor_analyzer passes force_all_finite=, which scikit-learn 1.8 removed."""
    source = inspect.getsource(sys.modules[FactorAnalyzer.__module__])
    assert "force_all_finite" in source
    assert "force_all_finite" in inspect.signature(check_array).parameters


def holzinger() -> np.ndarray:
    frame = pd.read_csv(HS)
    return frame[[f"x{i}" for i in range(1, 10)]].to_numpy(dtype=float)


@pytest.mark.filterwarnings("ignore:'force_all_finite' was renamed:FutureWarning")
def test_factor_analyzer_fits_on_real_data():
    x = holzinger()
    fa = FactorAnalyzer(n_factors=3, rotation=None, method="ml")
    fa.fit(x)
    loadings = fa.loadings_
    assert loadings.shape == (9, 3)
    # communalities are the row sums of squared loadings, each in (0, 1) for a proper solution
    communalities = (loadings**2).sum(axis=1)
    np.testing.assert_allclose(communalities, fa.get_communalities(), atol=1e-10)
    assert np.all((communalities > 0) & (communalities < 1))
    chi2, p = calculate_bartlett_sphericity(x)
    assert chi2 > 0 and 0 <= p < 1e-10
    kmo_items, kmo_total = calculate_kmo(x)
    assert kmo_items.shape == (9,) and 0 < kmo_total < 1


WITHOUT_PEERS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    BLOCKED = {"semopy", "factor_analyzer", "sklearn"}

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: not installed")

    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, Block())

    import loyaltysem as ls
    from loyaltysem.cli import main

    survey = ls.load_ecommerce()
    screened = survey.screen()
    res = ls.fit(ls.DEFAULT_MODEL, survey)
    val = ls.validate(survey)
    out = Path(sys.argv[1]) / "demo"
    code = main(["demo", "--out", str(out)])
    print(json.dumps({
        "chisq": float(res.fit_measures["chisq"]),
        "n": res.provenance.n,
        "versions": sorted(res.provenance.versions),
        "alpha_rep": float(val.reliability.loc["REP", "alpha"]),
        "items_screened": int(len(screened.items)),
        "demo_exit": code,
        "demo_estimates": (out / "sem_estimates.csv").stat().st_size > 0,
        "peers_loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
    }))
    """
)


def test_the_library_runs_without_semopy_factor_analyzer_and_scikit_learn(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_PEERS, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["peers_loaded"] == []
    assert out["demo_exit"] == 0 and out["demo_estimates"]
    assert out["versions"] == ["loyaltysem", "numpy", "pandas", "python", "scipy"]
    assert out["items_screened"] == 29
    # lavaan's numbers without the peers (the fixture tests/test_fit.py compares against)
    fixture = ROOT / "tests" / "fixtures" / "estimation" / "ecommerce_default.json"
    lavaan = json.loads(fixture.read_text(encoding="utf-8"))
    np.testing.assert_allclose(out["chisq"], lavaan["fit_measures"]["chisq"], rtol=1e-4)
    assert out["n"] == lavaan["nobs"]
    assert 0.79 < out["alpha_rep"] < 0.81
