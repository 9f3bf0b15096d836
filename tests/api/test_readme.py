"""The README's API session, run step by step through the test client: the same
requests (method, path, headers, body), the same variables, the same printed results."""

import re
import shlex
from pathlib import Path

import pytest

from customers.models import Customer
from ledger.models import Due, Payment
from tests.api.conftest import TokenClient, make_token
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_session() -> list[str]:
    """The lines of the first ``sh`` block of the README's API section."""
    text = README.read_text()
    section = text[text.index("\n## API\n"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return block.splitlines()


def commands(lines: list[str]):
    """``(command, expected output or None)``: continuation lines joined, comments dropped,
    a ``# → …`` line after a command taken as what it prints."""
    steps, current = [], ""
    for line in lines:
        if line.startswith("# → "):
            steps[-1] = (steps[-1][0], line[len("# → "):])
            continue
        if not current and (not line.strip() or line.startswith("#")):
            continue
        current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            steps.append((current.split("  # ")[0].split("   # ")[0].strip(), None))
            current = ""
    return steps


def jq(data, program: str) -> str:
    """The few jq programs the README uses: ``.name``, ``.list[0].name``."""
    value = data
    for part in re.findall(r"\.(\w+)(?:\[(\d+)\])?", program):
        value = value[part[0]]
        if part[1]:
            value = value[int(part[1])]
    return str(value)


def run_curl(client, command: str, variables: dict) -> str:
    for name, value in variables.items():
        command = command.replace(f"${name}", value)
    curl, _, pipe = command.partition(" | ")
    args = shlex.split(curl)
    assert args[0] == "curl"
    method, url, headers, body = "GET", None, {}, None
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-X":
            method, i = args[i + 1], i + 1
        elif arg == "-H":
            name, _, value = args[i + 1].partition(": ")
            headers[name], i = value, i + 1
        elif arg == "-d":
            body, i = args[i + 1], i + 1
        elif not arg.startswith("-"):
            url = arg
        i += 1
    assert headers.pop("Authorization") == f"Bearer {variables['TOKEN']}"
    headers.pop("Content-Type", None)
    response = client.client.generic(method, url, data=body or "", content_type="application/json",
                                     headers={**headers, "Authorization": f"Bearer {variables['TOKEN']}"})
    assert 200 <= response.status_code < 300, (command, response.status_code, response.content)
    if not pipe:
        return response.content.decode()
    program = shlex.split(pipe)
    assert program[0] == "jq"
    return jq(response.json(), program[-1])


def test_the_readme_session_runs_as_written(owner):
    raw = make_token(owner)
    client = TokenClient(raw)
    variables = {"TOKEN": raw}
    steps = commands(readme_session())
    assert len(steps) == 5
    export, *requests = steps
    assert export[0].startswith("export KHATA=")
    variables["KHATA"] = ""  # the test client's requests go to the app itself
    printed = []
    for command, expected in requests:
        assignment = re.match(r"^(\w+)=\$\((.*)\)$", command)
        with no_scope():
            output = run_curl(client, assignment.group(2) if assignment else command, variables)
        if assignment:
            variables[assignment.group(1)] = output
        else:
            printed.append(output)
            assert output == expected, command
    # The retried steps (same Idempotency-Key) write nothing more.
    with no_scope():
        for command, _expected in requests[1:3]:
            run_curl(client, re.sub(r"^\w+=\$\((.*)\)$", r"\1", command), variables)
    customer = Customer.objects.get(shop=owner.shop, pk=variables["CUSTOMER"])
    assert customer.name == "Asha Verma" and str(customer.balance) == "150.00"
    assert Due.objects.filter(shop=owner.shop).count() == 1
    assert Payment.objects.filter(shop=owner.shop).count() == 1
    assert printed == ["100.00", "150.00"]
