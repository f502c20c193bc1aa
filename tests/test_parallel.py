"""The second pass over several processes gives exactly what one process gives."""
import multiprocessing

import pytest

from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import BUGGY, CLEAN, MODELS, PREDICT

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="parallel checking forks; this platform cannot"
)



def inputs():
    files = [Input(f"m{index:02d}/train.py", text=BUGGY if index % 3 else CLEAN) for index in range(40)]
    # a finding that needs the project index: the model class is in another file
    files += [Input("models.py", text=MODELS), Input("predict.py", text=PREDICT), Input("broken.py", text="def f(:\n")]
    return files


def test_parallel_run_matches_serial_run(tmp_path):
    serial = Runner(Settings(root=tmp_path), jobs=1).run(inputs())
    parallel_runner = Runner(Settings(root=tmp_path), jobs=2)
    assert parallel_runner._parallel_jobs(42) == 2
    parallel = parallel_runner.run(inputs())
    assert parallel.diagnostics == serial.diagnostics
    codes = {d.code for d in serial.diagnostics}
    assert {"DL001", "DL103", "DL101"} <= codes
    assert ("predict.py", "DL101") in {(d.path, d.code) for d in serial.diagnostics}


def test_small_runs_stay_in_one_process(tmp_path):
    assert Runner(Settings(root=tmp_path), jobs=8)._parallel_jobs(20) == 1
