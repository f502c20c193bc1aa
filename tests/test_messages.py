"""A finding's message is one line, whatever code it quotes."""
from __future__ import annotations

from dllint.rule import one_line
from dllint.runner import Input, Runner
from dllint.settings import Settings


def test_code_quoted_across_lines_is_joined_where_the_code_continues():
    assert one_line("`(model\n    .eval)` is not called") == "`(model.eval)` is not called"
    assert one_line("`f(a,\r\n      b)`") == "`f(a, b)`"
    assert one_line("`[\n  x\n]`") == "`[x]`"
    assert one_line("no break here") == "no break here"


def test_a_finding_on_an_attribute_spanning_lines_has_a_one_line_message(tmp_path):
    script = tmp_path / "evaluate.py"
    script.write_text("import torch\nmodel = torch.nn.Linear(2, 2)\n(model\n    .eval)\n", encoding="utf-8")
    result = Runner(Settings(select=["DL103"], root=tmp_path)).run([Input(display_path="evaluate.py", path=script)])
    [finding] = result.diagnostics
    assert "\n" not in finding.message
    assert finding.message.startswith("`model.eval` is not called")


def test_a_place_in_another_file_is_named_with_its_file(tmp_path):
    (tmp_path / "series.py").write_text(
        "from sklearn.preprocessing import MinMaxScaler\n"
        "\n"
        "def scaled_split(readings):\n"
        "    scaled = MinMaxScaler().fit_transform(readings)\n"
        "    cut = int(len(scaled) * 0.8)\n"
        "    train = scaled[:cut]\n"
        "    test = scaled[cut:]\n"
        "    return train, test\n",
        encoding="utf-8",
    )
    (tmp_path / "forecast.py").write_text(
        "import pandas as pd\n"
        "from sklearn.linear_model import Ridge\n"
        "from series import scaled_split\n"
        "\n"
        "frame = pd.read_csv('load.csv')\n"
        "train, test = scaled_split(frame)\n"
        "Ridge().fit(train[:-1], train[1:])\n",
        encoding="utf-8",
    )
    inputs = [Input(display_path=name, path=tmp_path / name) for name in ("forecast.py", "series.py")]
    [finding] = Runner(Settings(select=["DL402"], root=tmp_path)).run(inputs).diagnostics
    assert finding.path == "forecast.py"
    assert "reaches `MinMaxScaler().fit_transform(...)` (series.py:4)" in finding.message
    assert "held-out parts on series.py:7" in finding.message
