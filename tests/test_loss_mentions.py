"""`loss_mentions` answers what searching the text with `LOSS_TEXT` answers."""
from dllint.semantic.loss_mentions import LOSS_TEXT, lines_mention_loss, mentions_loss
from dllint.source import SourceFile

TEXTS = [
    "import torch\n\ndef f(x):\n    return x\n\nclass Net:\n    criterion = None\n",
    "def train(model):\n    LOSS = model()\r\n    return LOSS\r\ndef g():\n    pass\n",
    "x = 1\ny = F.cross_Entropy(a)\nz = KL_Div(a)\n\nw = 2",
    # non-ASCII: `re` matches the long s for `s` and the Kelvin sign for `k`
    "a = 'é'\nlo\u017f\u017f = 1\nb = 2\n\u212al_div(x)\nc = 3\n",
    "é = 1\nno_mention_here = 2\n",
    "lossloss\nloss\n\n",
    "",
]


def test_every_span_agrees_with_the_pattern():
    for text in TEXTS:
        source = SourceFile.from_text("m.py", text)
        assert mentions_loss(source) == bool(LOSS_TEXT.search(text))
        count = source.line_count
        for first in range(1, count + 2):
            for last in range(first, count + 2):
                expected = bool(LOSS_TEXT.search(source.lines_text(first, last)))
                assert lines_mention_loss(source, first, last) == expected, (text, first, last)


def test_non_ascii_equivalents_count_as_mentions():
    source = SourceFile.from_text("m.py", "x = 1\nlo\u017f\u017f = 2\n")
    assert not lines_mention_loss(source, 1, 1)
    assert lines_mention_loss(source, 2, 2)


def test_a_file_may_see_losses_through_a_project_definition_it_imports():
    from tests.semantic_project import modules

    helpers = "def total(outputs):\n    return outputs.mean()\n\ndef objective(outputs):\n    return outputs.LOSS\n"
    found = modules({
        "helpers": helpers,
        "plain": "import torch\nfrom helpers import total\nx = total(torch.ones(2))\n",
        "scored": "import torch\nfrom helpers import objective\nx = objective(torch.ones(2))\n",
    })
    assert not found["plain"].autograd.may_see_losses()
    assert found["scored"].autograd.may_see_losses()
