"""CG010: a stack's data/ (the dumps) or .env (the secrets) is not ignored by git."""

from composegen import contract
from composegen.compose import model as compose_model
from composegen.lint.finding import Severity
from composegen.compose.positions import key_position
from composegen.lint.rule import Issue, Rule
from composegen.lint.rules._stack_files import data_folder, mount_of


def check(document, context):
    for found in document.postgres_services():
        name, service = found.name, found.mapping
        if not compose_model.runs_composegen_entrypoint(service):
            continue
        data = data_folder(document, service)
        mount = mount_of(service, contract.DUMPS_DIR)
        line, column = mount.position if mount else key_position(document.services, name)
        if context.is_git_ignored(data, folder=True) is False:
            yield Issue(line, column, f"{data}/ holds the database dumps but git does not ignore it; "
                        f"fix: add `{data.name}/` to {document.folder / '.gitignore'}")
        env_file = document.folder / ".env"
        if env_file.exists() and context.is_git_ignored(env_file) is False:
            yield Issue(1, 1, f"{env_file} holds the stack's secrets but git does not ignore it; "
                        f"fix: add `.env` to {document.folder / '.gitignore'}")
        return  # data/ and .env belong to the stack folder: once per file


RULE = Rule(
    id="CG010",
    name="not-git-ignored",
    severity=Severity.error,
    summary="data/ or .env is not ignored by git.",
    explanation=(
        "data/ holds full dumps of every database and .env holds the passwords; in a repository that is "
        "not ignored, one `git add -A` commits them into history for good. Fix: add `data/` and `.env` to "
        "the stack's .gitignore (if they are already tracked, also `git rm -r --cached data .env`). Checked "
        "only when the stack is inside a git repository."
    ),
    check=check,
)
