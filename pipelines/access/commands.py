"""`rocu user ...` and `rocu audit ...`: account administration and the audit trail from a shell.

Passwords are read from stdin (prompted twice on a terminal) or from a named environment
variable, never from the command line, where they would land in shell history and `ps`.
Whoever runs these commands can already read var/access/, so the shell is the first admin.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from pipelines.access import accounts
from pipelines.access.accounts import ShellOperator
from pipelines.access.anchors import anchor_head, check, default_log_path, parse_token, read_anchor_log
from pipelines.access.audit import AuditLog, canonical_json
from pipelines.access.audit_export import export
from pipelines.access.permissions import ROLES
from pipelines.access.policy import utc_now
from pipelines.access.store import AccessError, User, UserStore
from pipelines.settings import Paths


def add_user_arguments(parser: argparse.ArgumentParser) -> None:
    # allow_abbrev=False: otherwise `--password SECRET` would be taken for --password-env
    actions = parser.add_subparsers(dest="user_action", required=True)
    p = actions.add_parser("add", allow_abbrev=False, help="create an account (password from stdin or --password-env)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--unit", help="the unit's code, for unit roles (e.g. EMSOU)")
    p.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    actions.add_parser("list", help="every account with its role, unit and state")
    for action, text in (("disable", "stop an account signing in (ends its sessions)"),
                         ("enable", "let a disabled account sign in again"),
                         ("unlock", "clear a lockout after failed sign-ins")):
        actions.add_parser(action, help=text).add_argument("name")
    p = actions.add_parser("password", allow_abbrev=False, help="set a new password (from stdin or --password-env)")
    p.add_argument("name")
    p.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    p = actions.add_parser("role", help="change an account's role and unit")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--unit")
    for sub in actions.choices.values():
        sub.add_argument("--by", default=_os_user(), help="who is making the change (recorded in the audit trail)")


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="audit_action", required=True)
    p = actions.add_parser("verify", help="check the hash chain and every anchor; exit 1 naming what disagrees")
    p.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH",
                   help="an anchor kept elsewhere, e.g. as printed on an issued board paper (repeatable)")
    p.add_argument("--anchors", action="append", default=[], metavar="FILE",
                   help="a copy of the anchor log kept elsewhere (repeatable)")
    p = actions.add_parser("anchor", help="write the trail's current head to the anchor log")
    p.add_argument("--reason", required=True, help="why now, e.g. 'month-end' (kept with the anchor)")
    p = actions.add_parser("export", help="write the whole trail to CSV or JSON")
    p.add_argument("--out", required=True, help="file to write; .json gives JSON, anything else CSV")
    p.add_argument("--format", choices=["csv", "json"], help="override the format the file name implies")
    p.add_argument("--by", default=_os_user(), help="who is exporting (the export is itself audited)")
    p = actions.add_parser("tail", help="the latest records")
    p.add_argument("-n", type=int, default=20, help="how many (default 20)")


def run_user(args: argparse.Namespace, paths: Paths) -> int:
    """Through pipelines/access/accounts.py, as the Admin page, with the shell's operator as the admin."""
    store, by = UserStore.at(paths), ShellOperator(args.by)
    try:
        if args.user_action == "list":
            _print_users(store.users())
            return 0
        if args.user_action == "add":
            user = accounts.add_account(store, by, args.name, read_password(args.password_env), args.role, args.unit)
            print(f"Added {user.username}: {user.role}" + (f" for {user.rocu_code}" if user.rocu_code else ""))
        elif args.user_action == "password":
            accounts.set_password(store, by, args.name, read_password(args.password_env))
            print(f"New password set for {args.name}; any lockout is cleared.")
        elif args.user_action == "role":
            user = accounts.change_role(store, by, args.name, args.role, args.unit)
            print(f"{user.username} is now {user.role}" + (f" for {user.rocu_code}" if user.rocu_code else ""))
        elif args.user_action in ("disable", "enable"):
            accounts.set_disabled(store, by, args.name, args.user_action == "disable")
            print(f"{args.name} is {args.user_action}d.")
        elif args.user_action == "unlock":
            accounts.unlock(store, by, args.name)
            print(f"{args.name} is unlocked.")
    except AccessError as problem:
        print(str(problem), file=sys.stderr)
        return 2
    return 0


def run_audit(args: argparse.Namespace, paths: Paths) -> int:
    log = AuditLog.at(paths)
    if args.audit_action == "verify":
        return _verify(log, args, paths)
    if args.audit_action == "anchor":
        anchor = anchor_head(log, default_log_path(paths), args.reason)
        print(f"Anchored record {anchor.seq}: {anchor.token}")
        print("Keep that line somewhere else too: `rocu audit verify --anchor` checks the trail against it.")
        return 0
    if args.audit_action == "export":
        out = Path(args.out)
        fmt = args.format or ("json" if out.suffix.lower() == ".json" else "csv")
        count = export(out, fmt, log=log, actor=args.by)
        print(f"Wrote {count} records to {out} ({fmt.upper()})")
        return 0
    for r in log.tail(args.n):
        print(f"{r.seq:>6}  {r.at[:19]}  {r.actor:20} {r.action:16} {r.target or '':24} {_short(r.detail)}")
    return 0


def _verify(log: AuditLog, args: argparse.Namespace, paths: Paths) -> int:
    """The chain, then every anchor: the deployment's log, copies of it, and ones typed in.
    Exit 0 if all agree, 1 if anything disagrees, 2 if an anchor given cannot be read."""
    try:
        given = [parse_token(token) for token in args.anchor]
        copies = [read_anchor_log(Path(file), Path(file).name) for file in args.anchors]
    except ValueError as problem:
        print(str(problem), file=sys.stderr)
        return 2
    except OSError as problem:
        print(f"The anchor file {problem.filename} cannot be read: {problem.strerror.lower()}.", file=sys.stderr)
        return 2
    local = default_log_path(paths)
    anchors, problems = read_anchor_log(local) if local.exists() else ([], [])
    in_log = len(anchors)
    for copied, copy_problems in copies:
        anchors += copied
        problems += copy_problems
    anchors += given
    broken = log.verify()
    if broken is not None:
        problems.insert(0, f"The audit trail is broken at record {broken}: it, or the record before it, has been "
                           "changed, removed or inserted since it was written.")
    result = check(log, anchors)
    if result.problems:
        problems.insert(1 if broken is not None else 0, "First anchor that disagrees: " + result.problems[0])
        problems += result.problems[1:]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    seq, digest = log.head()
    print(f"The audit trail is intact: {seq} records. Latest record {seq}, hash {digest}")
    if anchors:
        agree = f"All {len(anchors)} anchors agree" if len(anchors) > 1 else "The 1 anchor agrees"
        print(f"{agree} with it ({in_log} in the anchor log, {len(anchors) - in_log} given).")
    else:
        print("No anchors recorded yet: a full rewrite of the trail could not be told from the real one.")
    print("Keep that line somewhere else (or run `rocu audit anchor`): it shows if the trail is ever rewritten.")
    return 0


def read_password(env_var: str | None) -> str:
    if env_var:
        if env_var not in os.environ:
            raise AccessError(f"The environment variable {env_var} is not set, so no password was read; "
                              "nothing was done.")
        return os.environ[env_var]
    if sys.stdin.isatty():
        first, second = getpass.getpass("Password: "), getpass.getpass("Same password again: ")
        if first != second:
            raise AccessError("The two passwords differ; nothing was changed.")
        return first
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise AccessError("No password on stdin; pipe it in, or use --password-env VAR.")
    return password


def _print_users(users: list[User]) -> None:
    now = utc_now()
    print(f"{'username':24} {'role':15} {'unit':8} {'state':26} {'failed':>6}  updated")
    for u in users:
        state = ("disabled" if u.disabled else f"locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
                 if u.is_locked(now) else "active")
        print(f"{u.username:24} {u.role:15} {u.rocu_code or '-':8} {state:26} {u.failed_attempts:>6}"
              f"  {u.updated_at:%Y-%m-%d %H:%M}")
    print(f"{len(users)} accounts")


def _short(detail: object, width: int = 60) -> str:
    text = canonical_json(detail)
    return text if len(text) <= width else text[: width - 1] + "…"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "command line"
