"""`LazyPattern`: a module-level regular expression compiled on first use."""
import pickle
import re
import subprocess
import sys

from dllint.lazy_pattern import LazyPattern


def test_a_lazy_pattern_answers_as_the_compiled_pattern():
    lazy = LazyPattern(r"(?P<name>lo+ss)_fn", re.I)
    compiled = re.compile(r"(?P<name>lo+ss)_fn", re.I)
    text = "criterion = LOOSS_fn; other = loss_fn"
    assert lazy.search(text).group("name") == compiled.search(text).group("name") == "LOOSS"
    assert lazy.match(text) is None and lazy.fullmatch("loss_FN") is not None
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.findall(text) == compiled.findall(text)
    assert lazy.sub("x", text) == compiled.sub("x", text)
    assert lazy.subn("x", text) == compiled.subn("x", text)
    assert lazy.split(text) == compiled.split(text)
    assert lazy.pattern == compiled.pattern
    assert lazy.groupindex == compiled.groupindex  # what is not copied is still the compiled pattern's


def test_it_compiles_once_then_calls_go_straight_to_the_compiled_pattern():
    lazy = LazyPattern(r"backward\s*\(")
    assert "search" not in vars(lazy)  # nothing compiled yet
    lazy.search("loss.backward()")
    # the compiled pattern's own method is now an attribute of the instance
    assert vars(lazy)["search"].__self__ is re.compile(r"backward\s*\(")


def test_it_survives_copying_by_pickle():
    lazy = LazyPattern(r"step\(")
    copy = pickle.loads(pickle.dumps(lazy))
    assert copy.pattern == r"step\(" and copy.search("opt.step()") is not None


def test_importing_the_rules_and_the_semantic_model_compiles_no_pattern():
    # in a fresh process: another test may have used the patterns in this one
    script = (
        "import gc, pkgutil, importlib, dllint.cli, dllint.runner, dllint.semantic\n"
        "from dllint.registry import all_rules\n"
        "from dllint.lazy_pattern import LazyPattern\n"
        "all_rules()\n"
        "for info in pkgutil.walk_packages(dllint.semantic.__path__, 'dllint.semantic.'):\n"
        "    importlib.import_module(info.name)\n"
        "patterns = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]\n"
        "print(len(patterns), sum('search' in vars(o) for o in patterns))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    created, compiled = map(int, done.stdout.split())
    assert created > 40 and compiled == 0


def test_occurs_in_answers_as_search_for_plain_and_other_patterns():
    texts = ["", "x = 1", "loss.backward()", "optim.step(", "a.fit(b)", "fit", "weights = 3", "a|b", "crite\nrion", "\\."]
    patterns = [
        LazyPattern(r"loss|criterion"),
        LazyPattern(r"\.fit\(|step\("),  # escaped punctuation: plain
        LazyPattern(r"a\|b"),  # an escaped bar is not a separator
        LazyPattern(r"weights\s*="),  # not plain: searched with `re`
        LazyPattern(r"\.(eval|step)\b"),
        LazyPattern(r"LOSS", re.I),  # flags: searched with `re`
        LazyPattern(r"fit|"),  # an empty alternative matches everywhere
        LazyPattern(r"\\\."),
    ]
    for pattern in patterns:
        compiled = re.compile(pattern.pattern, pattern._flags)
        for text in texts:
            assert pattern.occurs_in(text) == bool(compiled.search(text)), (pattern, text)


def test_every_rule_trigger_is_answered_as_its_search():
    from dllint.registry import all_rules

    rules = all_rules()
    samples = [example.code for rule in rules for example in (*rule.VALID, *rule.INVALID)]
    for rule in rules:
        if rule.triggers is not None:
            compiled = re.compile(rule.triggers.pattern)
            for sample in samples:
                assert rule.triggers.occurs_in(sample) == bool(compiled.search(sample)), rule.code
