"""`.env` reading agrees with Docker Compose (compose-go) on the tricky cases; the expectations are
written by hand from Compose's documented rules, and the same file is checked against `docker compose config`."""

import pytest

from composegen.compose import dotenv
from composegen.compose.interpolate import InterpolationError, substitute

TRICKY = (
    "\ufeffexport A=1\n"
    "B = two words # a comment\n"
    "C=x#y\n"
    'D="q \\"x\\" \\t $A ${B} \\$A"\n'
    "E='lit $A \\n'\n"
    "F=${A:-d}-${Z:-dz}-${Z-dz2}-${EMPTY:-de}-${EMPTY-dn}\n"
    "G=$A$$\n"
    "H: yaml style\n"
    "  I=  spaced  \n"
    'J="multi\nline"\n'
    "K=${A}_x\n"
    "# a comment line\n"
    "L='it\\'s'\n"
    "M=${A:+set}-${Z:+set}-${Z+set}\n"
    "N=${Z:-${A}}\n"
    "INHERITED\n"
    "O=\"quoted\" # comment after quotes\n"
    "P=$1 and $ and ${A}\n"
)

EXPECTED_NO_ENV = {
    "A": "1", "B": "two words", "C": "x#y", "D": 'q "x" \t 1 two words $A', "E": "lit $A \\n",
    "F": "1-dz-dz2-de-", "G": "1$", "H": "yaml style", "I": "spaced", "J": "multi\nline", "K": "1_x",
    "L": "it's", "M": "set--", "N": "1", "O": "quoted", "P": "$1 and $ and 1",
}


def test_parse_without_environment():

    got = dotenv.parse(TRICKY, environ={"EMPTY": ""})
    assert got == EXPECTED_NO_ENV


def test_the_environment_wins_while_interpolating():
    got = dotenv.parse(TRICKY, environ={"A": "envA", "INHERITED": "inh", "EMPTY": ""})
    assert got["A"] == "1"  # the file's own value; Compose's precedence puts the environment over it later
    assert got["D"] == 'q "x" \t envA two words $A'
    assert got["K"] == "envA_x"
    assert got["INHERITED"] == "inh"


def test_required_variable_error_names_the_line():
    with pytest.raises(dotenv.DotenvError) as caught:
        dotenv.parse("A=1\nB=${NOPE:?set NOPE first}\n", environ={}, source="x/.env")
    assert str(caught.value) == "x/.env:2: required variable NOPE is missing a value: set NOPE first"


def test_bad_key_and_unterminated_quote():
    with pytest.raises(dotenv.DotenvError):
        dotenv.parse("A B=1\n", environ={})
    with pytest.raises(dotenv.DotenvError):
        dotenv.parse("A='open\n", environ={})


def test_substitute_forms():
    env = {"SET": "v", "EMPTY": ""}.get
    assert substitute("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$SET $SET ${SET}x", env) == "v d  d $SET v vx"
    assert substitute("${UNSET:-${SET:-x}-y}", env) == "v-y"
    with pytest.raises(InterpolationError):
        substitute("${UNSET:?needed}", env)
    with pytest.raises(InterpolationError):
        substitute("${bad name}", env)
    missing = set()
    assert substitute("a${UNSET}b", env, missing) == "ab" and missing == {"UNSET"}


def test_agrees_with_docker_compose(tmp_path, compose_config):
    (tmp_path / ".env").write_text(TRICKY, encoding="utf-8")
    names = sorted(EXPECTED_NO_ENV) + ["INHERITED"]
    environment = "".join(f"      {name}: \"${{{name}}}\"\n" for name in names)
    (tmp_path / "compose.yaml").write_text(f"services:\n  s:\n    image: busybox\n    environment:\n{environment}")
    environ = {"A": "envA", "INHERITED": "inh", "EMPTY": ""}
    reference = compose_config(tmp_path, env=environ)["services"]["s"]["environment"]
    ours = dotenv.parse(TRICKY, environ=environ)
    # `config` prints `$` as `$$` (its output is itself a compose file); the environment wins over .env
    reference = {key: value.replace("$$", "$") for key, value in reference.items()}
    assert {name: environ.get(name, ours.get(name)) for name in names} == reference
