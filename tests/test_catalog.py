"""The catalog: every entry is a valid, pinned spec that reaches its database; lookups suggest close names."""

from __future__ import annotations

import json

import pytest

from composegen import catalog
from composegen.errors import UserError
from composegen.resources import schemas_dir
from composegen.spec import CATALOG_SCHEMA, load_yaml, validate

APPS = catalog.names()


def test_the_catalog_has_at_least_thirty_apps_starting_with_miniflux():
    assert len(APPS) >= 30
    assert "miniflux" in APPS


@pytest.mark.parametrize("name", APPS)
def test_every_entry_validates_against_the_catalog_schema(name):
    # catalog.load does not run the schema check (see composegen.catalog): this test is that check.
    validate(load_yaml(catalog.entry_text(name), f"{name}.yaml"), f"{name}.yaml", CATALOG_SCHEMA)
    spec = catalog.load(name)  # references, values, file name
    assert spec.name == name
    assert spec.description and "\n" not in spec.description


@pytest.mark.parametrize("name", APPS)
def test_every_entry_reaches_its_database_with_the_generated_password(name):
    spec = catalog.load(name)
    templates = [v["template"] for v in spec.environment.values() if isinstance(v, dict) and "template" in v]
    assert any("{db.password}" in t for t in templates), f"{name}: no environment value carries {{db.password}}"
    assert any("{db.host}" in t for t in templates), f"{name}: no environment value names the database host"


@pytest.mark.parametrize("name", APPS)
def test_every_declared_secret_is_used(name):
    spec = catalog.load(name)
    used = set()
    values = [*spec.environment.values(), *(v for extra in spec.services for v in extra.environment.values())]
    for value in values:
        if isinstance(value, dict) and "secret" in value:
            used.add(value["secret"])
        if isinstance(value, dict) and "template" in value:
            used.update(s for s in spec.secrets if "{secret." + s + "}" in value["template"])
    assert set(spec.secrets) == used


def test_the_catalog_schema_refuses_an_unpinned_image():
    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    for image in ("miniflux/miniflux", "miniflux/miniflux:latest"):
        with pytest.raises(UserError, match=r"^m\.yaml: image: "):
            validate({**doc, "image": image}, "m.yaml", CATALOG_SCHEMA)


def test_the_catalog_schema_requires_a_description():
    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    del doc["description"]
    with pytest.raises(UserError, match="'description' is a required property"):
        validate(doc, "m.yaml", CATALOG_SCHEMA)


def test_the_schemas_are_valid_json_schemas():
    from jsonschema import Draft202012Validator

    for path in schemas_dir().glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


@pytest.mark.parametrize(("typo", "suggestion"), [("minflux", "miniflux"), ("gittea", "gitea"), ("nextclod", "nextcloud")])
def test_an_unknown_app_suggests_close_names(typo, suggestion):
    with pytest.raises(UserError, match=f"unknown app '{typo}'; did you mean .*{suggestion}"):
        catalog.load(typo)


def test_an_unknown_app_with_nothing_close_points_at_the_list():
    with pytest.raises(UserError) as info:
        catalog.load("zzzzqqq")
    assert str(info.value) == "unknown app 'zzzzqqq' (`composegen catalog list` shows them all)"


def test_a_path_is_not_an_app_name():
    with pytest.raises(UserError, match="unknown app"):
        catalog.load("../spec")


def test_an_entry_whose_name_differs_from_its_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "alpha.yaml").write_text(catalog.entry_text("miniflux"))
    monkeypatch.setattr(catalog, "CATALOG_DIR", tmp_path)
    with pytest.raises(UserError, match=r"catalog/alpha\.yaml: name: 'miniflux' differs from the file name"):
        catalog.load("alpha")


@pytest.mark.parametrize("field", ["checked_against", "postgres_versions", "runs_as", "base_url"])
def test_the_catalog_schema_requires_what_an_entry_was_checked_against(field):
    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    del doc[field]
    with pytest.raises(UserError, match=f"'{field}' is a required property"):
        validate(doc, "m.yaml", CATALOG_SCHEMA)


def test_an_extra_services_image_is_pinned_in_the_catalog():
    doc = load_yaml(catalog.entry_text("outline"), "outline.yaml")
    doc["services"]["redis"]["image"] = "redis:latest"
    with pytest.raises(UserError, match=r"^o\.yaml: services\.redis\.image: "):
        validate(doc, "o.yaml", CATALOG_SCHEMA)


def test_the_readme_lists_every_app_of_the_catalog():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    start = readme.index("`composegen catalog list` shows the apps (")
    listed = readme[start:readme.index(")", start)].split("(", 1)[1]
    count, names = listed.split(":", 1)
    assert sorted(name.strip() for name in names.replace("\n", " ").split(",")) == APPS
    assert int(count) == len(APPS)


# --- evidence: what backs each fact of an entry ---------------------------------------------------

@pytest.mark.parametrize("name", APPS)
def test_every_entry_declares_the_evidence_behind_each_fact(name):
    from composegen.catalog import evidence

    doc = load_yaml(catalog.entry_text(name), f"{name}.yaml")
    sources = doc["checked_against"]
    assert all(source["kind"] in evidence.KINDS and source["covers"] for source in sources), name
    facts = evidence.by_fact(sources)
    assert evidence.NONE not in facts.values(), f"{name}: no source covers {[f for f, k in facts.items() if k == 'none']}"
    for source in sources:
        if source["kind"].startswith("upstream-"):
            # An upstream source names where it was read: the app's repository, the file, a tag or commit.
            assert source["repository"].startswith("https://"), (name, source)
            assert source["path"].strip() and source["ref"].strip(), (name, source)
        else:
            assert source.get("url") or source.get("repository"), (name, source)
            assert source.get("note"), f"{name}: a secondary source says why it is not upstream"


@pytest.mark.parametrize("kind", ["upstream-compose", "upstream-docs", "upstream-source", "upstream-release"])
@pytest.mark.parametrize("missing", ["repository", "path", "ref"])
def test_the_schema_refuses_an_upstream_source_without_repository_path_or_ref(kind, missing):
    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    source = {"kind": kind, "covers": ["image"], "repository": "https://github.com/miniflux/v2",
              "path": "Dockerfile", "ref": "2.3.3", "url": "https://miniflux.app/docs/"}
    del source[missing]
    doc["checked_against"] = [source]
    with pytest.raises(UserError, match=rf"checked_against\[0\]: '{missing}' is a required property"):
        validate(doc, "m.yaml", CATALOG_SCHEMA)


@pytest.mark.parametrize("field", ["kind", "covers"])
def test_the_catalog_schema_requires_each_sources_kind_and_covers(field):
    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    del doc["checked_against"][0][field]
    with pytest.raises(UserError, match=rf"checked_against\[0\]: '{field}' is a required property"):
        validate(doc, "m.yaml", CATALOG_SCHEMA)


def test_a_secondary_source_may_be_a_url_alone_and_a_fact_nobody_covers_is_found():
    from composegen.catalog import evidence

    doc = load_yaml(catalog.entry_text("miniflux"), "miniflux.yaml")
    doc["checked_against"] = [{"kind": "secondary", "covers": ["image"], "url": "https://example.org/post", "note": "a blog"}]
    validate(doc, "m.yaml", CATALOG_SCHEMA)
    facts = evidence.by_fact(doc["checked_against"])
    assert facts["image"] == "secondary"
    assert [fact for fact, kind in facts.items() if kind == evidence.NONE] == [
        "postgres_versions", "runs_as", "environment", "volumes"]


def test_the_verdict_is_upstream_only_when_every_fact_is():
    from composegen.catalog import evidence

    def source(kind, *covers):
        return {"kind": kind, "covers": list(covers)}

    everything = ["image", "postgres_versions", "runs_as", "environment", "volumes"]
    assert evidence.verdict([source("upstream-compose", *everything)]) == "upstream"
    # The strongest source of a fact wins: a secondary one beside an upstream one does not weaken it.
    assert evidence.verdict([source("upstream-docs", *everything), source("secondary", "image")]) == "upstream"
    assert evidence.verdict([source("upstream-compose", "image", "environment", "volumes"),
                             source("secondary", "postgres_versions", "runs_as")]) == "secondary: postgres_versions, runs_as"
    assert evidence.verdict([source("secondary", *everything)]) == "secondary"


def test_catalog_list_evidence_and_show_print_each_entrys_evidence():
    from click.testing import CliRunner

    from composegen.catalog import evidence
    from composegen.cli import cli

    listed = CliRunner().invoke(cli, ["catalog", "list", "--evidence"])
    assert listed.exit_code == 0, listed.output
    rows = dict(line.split(None, 1) for line in listed.output.splitlines())
    assert sorted(rows) == APPS
    for name in APPS:
        sources = load_yaml(catalog.entry_text(name), f"{name}.yaml")["checked_against"]
        weak = [f for f in ("image", "postgres_versions", "runs_as", "environment", "volumes")
                if not any(s["kind"].startswith("upstream-") and f in s["covers"] for s in sources)]
        assert rows[name] == ("upstream" if not weak else "secondary" if len(weak) == 5 else "secondary: " + ", ".join(weak))
        shown = CliRunner().invoke(cli, ["catalog", "show", name]).output
        assert f"# evidence: {rows[name]}\n" in shown
        assert shown.count("# checked against: ") == len(sources)
    assert evidence.verdict(catalog.load("miniflux").checked_against) == rows["miniflux"]
