"""Generated compose files in many formattings: every invariant of the golden tests holds on each."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from composegen.patch.run import PatchRequest, patch
from tests.patch.helpers import assert_has_setup, changed_original_lines, service_line_range


@st.composite
def compose_files(draw):
    step = draw(st.sampled_from([1, 2, 3, 4]))
    dash = draw(st.sampled_from([0, step]))  # `- item` at the key's column or indented
    pad = lambda level: " " * (step * level)  # noqa: E731
    comment = lambda level: [pad(level) + "# " + draw(st.sampled_from(["note", "ports:", "- x:y"]))] \
        if draw(st.booleans()) else []  # noqa: E731

    def seq(level: int, items: list[str]) -> list[str]:
        return [pad(level) + " " * dash + "- " + item for item in items]

    db = [pad(1) + "db:"] + comment(2)
    db.append(pad(2) + "image: " + draw(st.sampled_from(
        ["postgres:16", "'postgres:16-alpine'", "docker.io/library/postgres:15", "${PG:-postgres:17}",
         "pgvector/pgvector:pg17", "postgres@sha256:" + "a" * 64])))
    env_style = draw(st.sampled_from(["map", "list", "flow-map", "flow-list", "none"]))
    if env_style == "map":
        db += [pad(2) + "environment:", pad(3) + "POSTGRES_PASSWORD: \"x\""] + comment(3) + [pad(3) + "TZ: UTC"]
    elif env_style == "list":
        db += [pad(2) + "environment:"] + seq(2, ["POSTGRES_PASSWORD=x", "'TZ=UTC'"])
    elif env_style == "flow-map":
        db += [pad(2) + "environment: {POSTGRES_PASSWORD: x}"]
    elif env_style == "flow-list":
        db += [pad(2) + "environment: [POSTGRES_PASSWORD=x]"]
    volumes = draw(st.sampled_from(["none", "named", "bind", "two", "flow"]))
    if volumes == "named":
        db += [pad(2) + "volumes:"] + seq(2, ["pg:/var/lib/postgresql/data"])
    elif volumes == "bind":
        db += [pad(2) + "volumes:"] + comment(3) + seq(2, ["./pg:/var/lib/postgresql/data:Z"])
    elif volumes == "two":
        db += [pad(2) + "volumes:"] + seq(2, ["./init.sql:/docker-entrypoint-initdb.d/init.sql:ro", "pg:/var/lib/postgresql"])
    elif volumes == "flow":
        db += [pad(2) + "volumes: [pg:/var/lib/postgresql/data]"]
    health = draw(st.sampled_from(["none", "string", "list", "dump"]))
    if health == "string":
        db += [pad(2) + "healthcheck:", pad(3) + "test: pg_isready -U $$POSTGRES_USER", pad(3) + "interval: 5s"]
    elif health == "list":
        db += [pad(2) + "healthcheck:", pad(3) + "test:"] + seq(3, ["CMD-SHELL", "pg_isready"])
    elif health == "dump":
        db += [pad(2) + "healthcheck:", pad(3) + "test: [CMD, /utils/dump]"]
    if draw(st.booleans()):
        db.append(pad(2) + "stop_grace_period: " + draw(st.sampled_from(["10s", "2m", "15m"])))
    db += comment(2)
    app = [pad(1) + "app:", pad(2) + "image: nginx  # web", pad(2) + "depends_on: [db]"]
    cache = [pad(1) + "cache:", pad(2) + "<<: *common", pad(2) + "image: redis"]
    services = [app, db, cache]
    order = draw(st.permutations([0, 1, 2]))
    lines = (["---"] if draw(st.booleans()) else []) + ["x-common: &common", pad(1) + "restart: always", ""]
    lines += ["services:"]
    for index in order:
        lines += services[index] + ([""] if draw(st.booleans()) else [])
    lines += ["volumes:", pad(1) + "pg:"]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    return text + (newline if draw(st.booleans()) else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=compose_files())
def test_generated_files(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("gen")
    compose = folder / "compose.yaml"
    compose.write_bytes(text.encode())
    result = patch(PatchRequest(compose, fresh=True))
    after = compose.read_bytes().decode()
    first, stop = service_line_range(text, "db")
    changed, inserted_at = changed_original_lines(text, after)
    assert all(first < line < stop for line in changed), (sorted(changed), first, stop)
    assert all(first < line <= stop for line in inserted_at), (sorted(inserted_at), first, stop)
    assert after.endswith("\n") == text.endswith("\n")
    assert after.count("\r\n") == (after.count("\n") if "\r\n" in text else 0)
    before_data = YAML(typ="safe", pure=True).load(text)
    data = YAML(typ="safe", pure=True).load(after)
    assert_has_setup(data["services"]["db"])
    for name in ("app", "cache"):
        assert data["services"][name] == before_data["services"][name]
    assert {k: v for k, v in data.items() if k != "services"} == {k: v for k, v in before_data.items() if k != "services"}
    assert result.compose_changed
    again = patch(PatchRequest(compose))
    assert again.up_to_date and compose.read_bytes().decode() == after
