"""docs/rules/*.md and the README's rule table are rendered from the rules."""
from pathlib import Path

from dllint import rule_docs
from dllint.registry import all_rules, triggered_rules

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_up_to_date():
    stale = rule_docs.stale_files(ROOT)
    assert not stale, f"run `python -m dllint.rule_docs`; stale: {[str(p.relative_to(ROOT)) for p in stale]}"


def test_every_rule_has_a_page_and_a_table_row():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert (ROOT / "docs" / "rules" / f"{rule.code}.md").exists()
        assert f"[{rule.code}](docs/rules/{rule.code}.md)" in readme


def test_rendered_page_shows_first_examples_as_example_and_use_instead():
    rule = all_rules()[0]
    page = rule_docs.render_rule(rule)
    example = page.index("## Example")
    use_instead = page.index("## Use instead")
    assert example < use_instead
    first_invalid = next(iter(rule.INVALID[0].sources().values())).strip()
    assert first_invalid in page[example:use_instead]


def test_staleness_is_detected(tmp_path):
    (tmp_path / "README.md").write_text(f"x\n{rule_docs.README_BEGIN}\nold\n{rule_docs.README_END}\n")
    rule_docs.write(tmp_path)
    assert rule_docs.stale_files(tmp_path) == []
    page = tmp_path / "docs" / "rules" / f"{all_rules()[0].code}.md"
    page.write_text("edited by hand\n")
    assert rule_docs.stale_files(tmp_path) == [page]
    (tmp_path / "docs" / "rules" / "DL999.md").write_text("a rule that no longer exists\n")
    assert tmp_path / "docs" / "rules" / "DL999.md" in rule_docs.stale_files(tmp_path)


def test_the_trigger_table_picks_the_rules_their_own_triggers_pick():
    every = all_rules()
    texts = [source for rule in every for example in (*rule.VALID, *rule.INVALID) for source in example.sources().values()]
    for text in texts + ["", "import torch\nmodel.eval\n"]:
        assert triggered_rules(text, lambda code: True) == [rule for rule in every if rule.triggers is None or rule.triggers.search(text)]
    assert [rule.code for rule in triggered_rules("loss", lambda code: code != "DL201")] == ["DL202", "DL203", "DL204", "DL601", "DL602"]
