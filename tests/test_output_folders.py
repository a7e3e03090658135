"""Output folders as a unit (issue 12, item 6): staged, moved in whole, or left as they were.

Every command with ``--out DIR`` writes into a staging folder ``.DIR.partial-PID-RANDOM``
beside ``DIR`` and moves it into place when the run is complete, with a ``manifest.json``
listing each file and its SHA-256. These tests kill runs (``kill -9``) at chosen and at
random moments, fill a small tmpfs disk, and point ``--out`` where nothing can be written.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loyaltysem
from loyaltysem import _files
from loyaltysem._files import MANIFEST, OutputFolder, file_sha256, write_text
from loyaltysem.cli import main
from loyaltysem.datasets import dataset_path
from loyaltysem.errors import OutputError

SRC = Path(loyaltysem.__file__).parent.parent
HS = str(dataset_path("holzinger_swineford"))
HS_CB = str(dataset_path("holzinger_swineford", "codebook"))
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
SEM = CFA + "speed ~ visual + textual\n"
STAGING = re.compile(r"\..+\.(partial|previous)-\d+-[0-9a-f]+")


@pytest.fixture
def models(tmp_path):
    paths = {}
    for name, text in {"cfa": CFA, "sem": SEM}.items():
        paths[name] = tmp_path / f"{name}.lav"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def fit_argv(model: Path, out: Path, *extra: str) -> list[str]:
    return ["fit", HS, "--codebook", HS_CB, "--model", str(model), *extra, "--out", str(out)]


def complete(out: Path) -> dict:
    """The manifest of a complete output folder, after checking every hash and the file set."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    listed = {f["name"] for f in manifest["files"]}
    assert {p.name for p in out.iterdir()} == listed | {MANIFEST}
    for f in manifest["files"]:
        path = out / f["name"]
        assert file_sha256(path) == f["sha256"] and path.stat().st_size == f["bytes"], f
    return manifest


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if STAGING.fullmatch(p.name))


# ---------------------------------------------------------------------------------------
# Whole folders: the manifest, reruns, refusals
# ---------------------------------------------------------------------------------------


def test_manifest_lists_every_file_with_hashes_inputs_and_command(tmp_path, models, capsys):
    out = tmp_path / "sem"
    argv = fit_argv(models["sem"], out)
    assert main(argv) == 0
    manifest = complete(out)
    names = [f["name"] for f in manifest["files"]]
    assert names == sorted(names) and "sem_estimates.csv" in names and "sem_effects.csv" in names
    assert manifest["command"] == ["loyaltysem", *argv]
    assert manifest["loyaltysem"] == loyaltysem.__version__
    assert manifest["started"] <= manifest["finished"]
    inputs = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert set(inputs) == {Path(HS).name, Path(HS_CB).name, "sem.lav"}
    assert inputs["sem.lav"]["sha256"] == file_sha256(models["sem"])
    assert inputs[Path(HS).name]["bytes"] == Path(HS).stat().st_size
    # "wrote N files" counts exactly the files in the folder, the manifest included
    n = int(re.search(r"wrote (\d+) files", capsys.readouterr().out)[1])
    assert n == len(list(out.iterdir())) == len(names) + 1
    assert leftovers(out) == []


def test_rerun_with_another_model_leaves_only_the_new_files(tmp_path, models, capsys):
    out = tmp_path / "out"
    assert main(fit_argv(models["sem"], out, "--clean")) == 0
    first = complete(out)
    assert {"sem_effects.csv", "cleaned_exclusions.csv"} <= {f["name"] for f in first["files"]}
    capsys.readouterr()
    assert main(fit_argv(models["cfa"], out)) == 0
    second = complete(out)
    names = {f["name"] for f in second["files"]}
    assert "sem_effects.csv" not in names and "cleaned_exclusions.csv" not in names
    assert {p.name for p in out.iterdir()} == names | {MANIFEST}
    n = int(re.search(r"wrote (\d+) files", capsys.readouterr().out)[1])
    assert n == len(names) + 1 == len(list(out.iterdir()))
    assert leftovers(out) == []


def test_a_folder_holding_the_users_files_is_refused_and_untouched(tmp_path, models, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    assert main(fit_argv(models["cfa"], out)) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "notes.txt" in err and "fix: choose a new --out folder" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and leftovers(out) == []
    # a previous output with a file added by hand: the same
    done = tmp_path / "done"
    assert main(fit_argv(models["cfa"], done)) == 0
    (done / "my_chart.png").write_bytes(b"png")
    assert main(fit_argv(models["sem"], done)) == 2
    assert "my_chart.png" in capsys.readouterr().err
    assert (done / "my_chart.png").read_bytes() == b"png"
    assert "sem_effects.csv" not in {p.name for p in done.iterdir()}


def test_a_failing_run_leaves_the_previous_output_and_no_staging(tmp_path, models, capsys):
    out = tmp_path / "out"
    assert main(fit_argv(models["cfa"], out)) == 0
    before = complete(out)
    bad = tmp_path / "bad.lav"
    bad.write_text("visual =~ x1 + nosuchitem\n", encoding="utf-8")
    assert main(fit_argv(bad, out)) == 2
    assert "nosuchitem" in capsys.readouterr().err
    assert complete(out) == before and leftovers(out) == []


def test_an_empty_existing_folder_is_filled(tmp_path, models):
    out = tmp_path / "empty"
    out.mkdir()
    assert main(fit_argv(models["cfa"], out)) == 0
    complete(out)


# ---------------------------------------------------------------------------------------
# Checked before the analysis: unwritable, read-only, no room
# ---------------------------------------------------------------------------------------


@pytest.fixture
def no_fit(monkeypatch):
    """Make fitting fail loudly: a command that reached it would exit 1, not 2."""
    import loyaltysem.sem.dispatch

    calls = []

    def fail(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the analysis started")

    monkeypatch.setattr(loyaltysem.sem.dispatch, "fit", fail)
    return calls


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str):
    """A tmpfs mounted at ``where`` (root in a Linux sandbox); None where it cannot be."""
    where.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_out_inside_a_file_exits_2_before_the_analysis(tmp_path, models, no_fit, capsys):
    blocker = tmp_path / "results.csv"
    blocker.write_text("a file", encoding="utf-8")
    start = time.perf_counter()
    assert main(fit_argv(models["cfa"], blocker / "out")) == 2
    assert time.perf_counter() - start < 2 and no_fit == []
    err = capsys.readouterr().err
    assert f"{blocker}: the folder of the output is a file" in err and "fix:" in err
    assert "Traceback" not in err
    assert main(fit_argv(models["cfa"], blocker)) == 2  # --out is a file itself
    assert "is not a folder" in capsys.readouterr().err and no_fit == []
    assert blocker.read_text(encoding="utf-8") == "a file"


def test_read_only_out_exits_2_before_the_analysis(
    tmp_path, models, no_fit, monkeypatch, record_property, capsys
):
    with mounted_tmpfs(tmp_path / "ro", "ro,size=1m") as disk:
        record_property("disk", "tmpfs" if disk is not None else "simulated")
        if disk is None:  # a folder without write permission
            disk = tmp_path / "ro"
            disk.chmod(0o555)
            if os.access(disk, os.W_OK):  # root ignores permissions: a read-only mkdir
                mkdir = Path.mkdir

                def read_only(self, *args, **kwargs):
                    if self.parent == disk:
                        raise OSError(errno.EROFS, "Read-only file system", str(self))
                    return mkdir(self, *args, **kwargs)

                monkeypatch.setattr(Path, "mkdir", read_only)
        start = time.perf_counter()
        assert main(fit_argv(models["cfa"], disk / "out")) == 2
        assert time.perf_counter() - start < 2 and no_fit == []
        err = capsys.readouterr().err
        assert str(disk) in err and "fix:" in err and "Traceback" not in err
        assert ("Read-only file system" in err) or ("Permission denied" in err)
        assert list(disk.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path, record_property):
    """A 256 kB tmpfs where it can be mounted (root on Linux), else a plain folder.

    Which one is recorded in the test report (``disk``: ``tmpfs`` or ``simulated``); on
    a plain folder the tests below simulate the small disk (``shutil.disk_usage``) and the
    full one (``ENOSPC`` from the file writer) instead.
    """
    with mounted_tmpfs(tmp_path / "disk", "size=256k") as disk:
        record_property("disk", "simulated" if disk is None else "tmpfs")
        yield (tmp_path / "disk", disk is not None)


def test_too_little_free_space_exits_2_before_the_analysis(
    small_disk, models, no_fit, monkeypatch, capsys
):
    disk, real = small_disk
    if not real:
        usage = shutil.disk_usage(disk)._replace(free=200 * 1024)
        monkeypatch.setattr(shutil, "disk_usage", lambda path: usage)
    assert main(fit_argv(models["cfa"], disk / "out")) == 2
    err = capsys.readouterr().err
    assert f"{disk}: not enough free space for the output" in err
    assert "expected: at least 16.0 MB" in err and no_fit == [] and list(disk.iterdir()) == []


def test_full_disk_during_the_write_exits_2_and_keeps_the_previous_output(
    small_disk, models, monkeypatch, capsys
):
    """A real ENOSPC on a 256 kB tmpfs (the free-space check set to zero to get there)."""
    disk, real = small_disk
    monkeypatch.setattr(_files, "MIN_FREE_BYTES", 0)
    monkeypatch.setattr(_files, "FREE_SPACE_FACTOR", 0)
    out = disk / "out"
    assert main(fit_argv(models["cfa"], out)) == 0
    before = complete(out)
    if real:  # fill the disk, leaving room for the probe file but not for the tables
        with open(disk / "filler", "wb", buffering=0) as f:
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * 4096)
        (disk / "filler").write_bytes(b"\0" * ((disk / "filler").stat().st_size - 3 * 4096))
    else:  # the third file written fails as on a full disk
        calls = []
        original = _files.atomic_write

        def full(path, write):
            calls.append(path)
            if len(calls) >= 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return original(path, write)

        monkeypatch.setattr(_files, "atomic_write", full)
    capsys.readouterr()
    assert main(fit_argv(models["sem"], out)) == 2
    err = capsys.readouterr().err
    assert f"{out}: cannot write the output (No space left on device)" in err
    assert f"the previous output in {out}, if any, is unchanged" in err
    assert "Traceback" not in err
    assert complete(out) == before and leftovers(out) == []


def test_os_errors_of_the_commit_become_output_errors(tmp_path, monkeypatch):
    """Simulated ENOSPC while writing the manifest: an OutputError, the target unchanged."""
    out = tmp_path / "out"
    with OutputFolder(out, command=["x"], version="0") as folder:
        write_text(folder.staging / "a.txt", "one")
        folder.commit()

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(_files, "write_text", full)
    with OutputFolder(out, command=["x"], version="0") as folder:
        (folder.staging / "b.txt").write_text("two", encoding="utf-8")
        with pytest.raises(OutputError, match="No space left on device") as info:
            folder.commit()
    assert info.value.path == str(out) and "free space on the disk" in info.value.fix
    assert (out / "a.txt").read_text(encoding="utf-8") == "one" and leftovers(out) == []


def test_codebook_draft_checks_its_folder_first_and_leaves_no_temp_file(tmp_path, capsys):
    export = str(dataset_path("ecommerce"))
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["codebook", "draft", export, "--out", str(blocker / "cb.csv")]) == 2
    err = capsys.readouterr().err
    assert str(blocker) in err and "fix:" in err and "Traceback" not in err
    assert main(["codebook", "draft", export, "--out", str(tmp_path / "cb.csv")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.csv", "file"]


# ---------------------------------------------------------------------------------------
# kill -9
# ---------------------------------------------------------------------------------------

#: Runs the CLI in a child process after wrapping one function as ``loyaltysem._files`` sees
#: it (``write_csv``, ``OutputFolder._swap``, ``os.rename``, ``shutil.rmtree``) so that its
#: WHEN-th call kills the process with SIGKILL before doing anything.
KILLER = """
import os, signal, sys, types
import loyaltysem._files as files
from loyaltysem.cli import main
name, when = sys.argv[1], int(sys.argv[2])
calls = []
def kill_on(target):
    def killer(*args, **kwargs):
        calls.append(1)
        if len(calls) == when:
            os.kill(os.getpid(), signal.SIGKILL)
        return target(*args, **kwargs)
    return killer
owner, _, attr = name.rpartition(".")
if owner in ("os", "shutil"):  # a copy of the module with one function wrapped
    module = getattr(files, owner)
    proxy = types.SimpleNamespace(**vars(module))
    setattr(proxy, attr, kill_on(getattr(module, attr)))
    setattr(files, owner, proxy)
elif owner == "OutputFolder":
    setattr(files.OutputFolder, attr, kill_on(getattr(files.OutputFolder, attr)))
else:
    setattr(files, attr, kill_on(getattr(files, attr)))
if os.environ.get("NO_EXCHANGE"):
    files._exchange = lambda a, b: False
main(sys.argv[3:])
"""


def run_killed(argv: list[str], name: str, when: int, *, exchange: bool = True) -> int:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if not exchange:
        env["NO_EXCHANGE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", KILLER, name, str(when), *argv],
        env=env,
        capture_output=True,
        timeout=120,
    )
    return done.returncode


@pytest.mark.parametrize(
    ("name", "when", "exchange", "new"),
    [
        ("write_csv", 1, True, False),  # before the first table
        ("write_csv", 4, True, False),  # halfway through the tables
        ("write_text", 2, True, False),  # the tables written, not the manifest
        ("OutputFolder._swap", 1, True, False),  # everything staged and flushed, not moved
        ("shutil.rmtree", 1, True, True),  # exchanged, the old output not yet deleted
        ("shutil.rmtree", 1, False, True),  # moved in without exchange, the old not deleted
    ],
)
def test_kill_9_at_each_step_leaves_the_previous_or_the_new_output_whole(
    tmp_path, models, capsys, name, when, exchange, new
):
    out = tmp_path / "out"
    assert main(fit_argv(models["cfa"], out)) == 0
    before = complete(out)
    code = run_killed(fit_argv(models["sem"], out), name, when, exchange=exchange)
    assert code == -signal.SIGKILL
    after = complete(out)
    names = {f["name"] for f in after["files"]}
    if new:
        assert after["command"][-3] == str(models["sem"]) and "sem_effects.csv" in names
    else:
        assert after == before and "sem_effects.csv" not in names
    left = leftovers(out)  # recognisable: .out.partial-PID-RANDOM, never named like out
    assert len(left) == 1 and left[0].startswith(".out.p")
    # the next run removes it and says so
    capsys.readouterr()
    assert main(fit_argv(models["cfa"], out)) == 0
    assert f"note: removed {left[0]}, left by an interrupted run" in capsys.readouterr().err
    assert leftovers(out) == [] and complete(out)["command"][-3] == str(models["cfa"])


def test_kill_9_between_the_two_moves_is_repaired_by_the_next_run(tmp_path, models, capsys):
    """Without an atomic exchange, a kill between moving aside and moving in: no folder."""
    out = tmp_path / "out"
    assert main(fit_argv(models["cfa"], out)) == 0
    before = complete(out)
    # the first os.rename moves the old output aside; kill at the second (moving the new in)
    code = run_killed(fit_argv(models["sem"], out), "os.rename", 2, exchange=False)
    assert code == -signal.SIGKILL
    assert not out.exists()  # nothing of the new run looks complete; the old one is aside
    assert [n.split("-")[0] for n in leftovers(out)] == [".out.partial", ".out.previous"]
    bad = tmp_path / "bad.lav"
    bad.write_text("visual =~ nosuchitem\n", encoding="utf-8")
    capsys.readouterr()
    assert main(fit_argv(bad, out)) == 2  # even a failing next run restores it
    assert "restored the previous output" in capsys.readouterr().err
    assert complete(out) == before and leftovers(out) == []


def test_kill_9_at_random_moments_of_a_cli_process(tmp_path, models):
    """``python -m loyaltysem.cli fit --bootstrap`` killed after random delays."""
    out = tmp_path / "out"
    assert main(fit_argv(models["cfa"], out)) == 0
    runs = [complete(out)]
    rng = random.Random(12)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    outcomes = []
    for _ in range(5):
        model = models[rng.choice(["cfa", "sem"])]
        argv = fit_argv(model, out, "--bootstrap", "200", "--seed", "1")
        child = subprocess.Popen([sys.executable, "-m", "loyaltysem.cli", *argv], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.2, 4.0))
        child.send_signal(signal.SIGKILL)
        child.wait()
        manifest = complete(out)
        assert manifest in runs or manifest["command"][-7] == str(model)
        outcomes.append(child.returncode)
        runs.append(manifest)
    assert -signal.SIGKILL in outcomes  # at least one run was killed midway


# ---------------------------------------------------------------------------------------
# Property: any sequence of runs, failed or complete
# ---------------------------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    runs=st.lists(
        st.tuples(
            st.sets(st.sampled_from(["a.csv", "b.csv", "c.txt", "d.csv", "中文.csv"]), min_size=1),
            st.booleans(),  # fails before the commit
            st.booleans(),  # atomic exchange available
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_folder_always_holds_exactly_the_last_complete_run(tmp_path_factory, runs):
    out = tmp_path_factory.mktemp("prop") / "out"
    last: dict[str, str] | None = None
    for i, (names, fails, exchange) in enumerate(runs):
        original = _files._exchange
        if not exchange:
            _files._exchange = lambda a, b: False
        try:
            with OutputFolder(out, command=[str(i)], version="0") as folder:
                for name in sorted(names):
                    write_text(folder.staging / name, f"{name} of run {i}")
                if fails:
                    raise KeyError("the analysis failed")
                folder.commit()
            last = {name: f"{name} of run {i}" for name in names}
        except KeyError:
            pass
        finally:
            _files._exchange = original
        if last is None:
            assert not out.exists()
        else:
            complete(out)
            found = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
            assert found.pop(MANIFEST) and found == last
        assert leftovers(out) == []
