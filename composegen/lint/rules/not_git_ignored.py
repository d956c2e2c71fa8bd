"""CG010: a stack's data/ (the dumps) or .env (the secrets) is not ignored by git."""

from composegen import contract
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    if not context.first_time("stack folder"):
        return  # data/ and .env belong to the stack folder: once per file
    document = context.document
    data = context.data_folder()
    if context.run.is_git_ignored(data, folder=True) is False:
        yield Issue(*context.mount_position(contract.DUMPS_DIR), f"{data}/ holds the database dumps but git does "
                    f"not ignore it; fix: add `{data.name}/` to {document.folder / '.gitignore'}")
    env_file = document.folder / ".env"
    if env_file.exists() and context.run.is_git_ignored(env_file) is False:
        yield Issue(1, 1, f"{env_file} holds the stack's secrets but git does not ignore it; "
                    f"fix: add `.env` to {document.folder / '.gitignore'}")


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
    only_with_setup=True,
)
