"""Role x command matrix: every command acting on returns, reports, mappings or windows signs the
person in and checks the role and unit on the server. Each call is built to stop harmlessly just
after the check (a missing file, an unknown metric...), so the matrix changes nothing."""

from __future__ import annotations

import pytest

from pipelines.cli import main as rocu
from tests.conftest import PASSWORD, make_session

ROLES = [("unit_submitter", "EMSOU"), ("unit_approver", "EMSOU"), ("nocc_analyst", None),
         ("board_member", "EMSOU"), ("admin", None)]
COMMANDS = {
    "submit own unit": ["submit", "no-such-file.csv", "--unit", "EMSOU", "--period", "2025-03"],
    "submit other unit": ["submit", "no-such-file.csv", "--unit", "NEROCU", "--period", "2025-03"],
    "status": ["status"],
    "status other unit": ["status", "--unit", "NEROCU"],
    "approve": ["approve", "999999"],
    "report own unit": ["report", "--unit", "EMSOU", "--quarter", "2026-Q2"],
    "report other unit": ["report", "--unit", "NEROCU", "--quarter", "2026-Q2"],
    "report network": ["report", "--network", "--quarter", "2026-Q2"],
    "mapping": ["mapping", "set", "--unit", "EMSOU", "--label", "x", "--metric", "NO_SUCH_METRIC"],
    "window": ["window", "add", "--from", "2030-04-01", "--deadline-day", "99"],
}
# Who may do what, written out from the brief (not derived from the permissions seed).
ALLOWED = {
    "unit_submitter": {"submit own unit", "status", "report own unit"},
    "unit_approver": {"submit own unit", "status", "approve", "report own unit"},
    "nocc_analyst": {"status", "status other unit", "report own unit", "report other unit", "report network"},
    "board_member": {"status", "report own unit", "report network"},
    "admin": {"mapping", "window"},
}


@pytest.mark.parametrize("role,unit", ROLES)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_role_by_command(tmp_path, monkeypatch, capsys, role, unit, command):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    session = make_session(tmp_path, role, unit)
    code = rocu([*COMMANDS[command], "--user", session.username, "--password-env", "TEST_PASSWORD"])
    refused = "does not allow you to" in capsys.readouterr().err
    assert refused != (command in ALLOWED[role]), (role, command, code)
    if refused:
        assert code == 1


def test_a_wrong_password_stops_every_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", "not the password")
    make_session(tmp_path, "nocc_analyst")
    for args in COMMANDS.values():
        assert rocu([*args, "--user", "nocc_analyst.network", "--password-env", "TEST_PASSWORD"]) == 3
    assert "is not right" in capsys.readouterr().err


def test_an_unset_password_variable_is_a_plain_not_signed_in(tmp_path, monkeypatch, capsys):
    """`--password-env` naming a variable that is not set: a sentence and never a traceback; exit 3 (not
    signed in) for commands that sign in, 2 (usage) for the operator's account commands."""
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("ROCU_NO_SUCH_PASSWORD", raising=False)
    make_session(tmp_path, "nocc_analyst")
    for args in [*COMMANDS.values(), ["user", "add", "x.y", "--role", "admin"], ["user", "password", "x.y"]]:
        signs_in = args[0] != "user"
        assert rocu([*args, *(["--user", "nocc_analyst.network"] if signs_in else []),
                     "--password-env", "ROCU_NO_SUCH_PASSWORD"]) == (3 if signs_in else 2), args
        err = capsys.readouterr().err
        assert "The environment variable ROCU_NO_SUCH_PASSWORD is not set" in err, (args, err)
        assert "Traceback" not in err
