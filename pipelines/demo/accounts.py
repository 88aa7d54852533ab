"""Demo accounts, one per role (and per unit for unit roles), so the demo can be signed into.

The password is made at random on first use and written to var/demo-accounts.txt (never
to the repository); later runs keep the accounts and the file.
"""

from __future__ import annotations

import secrets

from pipelines import reference
from pipelines.access import UserStore
from pipelines.settings import Paths


def demo_accounts() -> list[tuple[str, str, str | None]]:
    units = reference.rocus()["rocu_code"].to_list()
    network = [("analyst.nocc", "nocc_analyst", None), ("board.network", "board_member", None), ("admin", "admin", None)]
    per_unit = [(f"{kind}.{u.lower()}", role, u) for u in units
                for kind, role in (("lead", "unit_submitter"), ("approver", "unit_approver"), ("board", "board_member"))]
    return network + per_unit


def ensure_demo_accounts(paths: Paths) -> str:
    """Create any missing demo account; returns the text to show (names and password)."""
    note = paths.var / "demo-accounts.txt"
    store = UserStore.at(paths)
    password = note.read_text().split("password: ", 1)[1].split()[0] if note.exists() else secrets.token_urlsafe(12)
    for name, role, unit in demo_accounts():
        if store.get(name) is None:
            store.add(name, password, role, unit, actor="demo setup")
    text = ("Demo accounts (synthetic data only), password: " + password + "\n  " +
            "\n  ".join(f"{n:18} {r}{' of ' + u if u else ''}" for n, r, u in demo_accounts()[:6]) +
            "\n  ... and lead.<unit>, approver.<unit>, board.<unit> for every unit code\n")
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(text)
    note.chmod(0o600)
    return text
