"""`rocu`: the command line for performance leads and operators.

Commands acting on returns and reports sign in (--user NAME, password on stdin or from
--password-env VAR) and are checked against the role and unit, as the pages are:

    rocu submit FILE --unit EMSOU --period 2025-03 --user lead.emsou   verdict; exit 1 if rejected
        [--dry-run]   check only: nothing is stored (the check is audited)
        [--reason R]  required when late or replacing a signed-off return (exit 2 without it)
    rocu status --user NAME                          submissions by unit and month
    rocu approve ID --user NAME                      sign off a return (password from stdin)
    rocu demo generate | load | accounts             the bundled demo data and demo sign-ins
    rocu report --unit EMSOU --quarter 2025-Q1 --format pdf --user NAME   board paper (pdf, html, xlsx);
                                                     2025-Q1 = April-June 2025 (financial year), 2025-C1 = Jan-Mar

    rocu query raise --unit EMSOU --metric PUR_ARRESTS --period 2025-03 --value 41 --question "..." --user NAME
    rocu query list [--unit EMSOU] [--open] --user NAME | answer ID --text "..." | close ID [--note "..."]
                                                     queries the NOCC raises on published figures; units answer

    rocu mapping set --unit EMSOU --label "Drones recovered" --metric ... --user admin   (admins)
    rocu window add --from 2027-04-01 --deadline-day 12 [--no-four-eyes] --user admin   (admins)

The demo, user and audit commands are for the operator at the server's shell.

Exit codes (the same for every command): 0 done; 1 rejected, refused or failed a check;
2 usage error (a unit, month, file or option that cannot be used; nothing was written);
3 not signed in (unknown account, wrong password, locked).
    rocu user add NAME --role ROLE [--unit CODE]     account; password from stdin (or --password-env VAR)
    rocu user list | disable | enable | unlock | password | role    account administration
    rocu audit verify | anchor | export --out FILE | tail   the audit trail; verify exits 1 if it was tampered with
"""

from __future__ import annotations

import argparse
import sys
from enum import IntEnum
from pathlib import Path

from pipelines.settings import Paths
from datetime import UTC


class Exit(IntEnum):
    OK = 0
    REJECTED = 1  # a verdict of rejected, a refused permission, a failed check
    USAGE = 2  # what was typed cannot be used; nothing was written
    NOT_SIGNED_IN = 3


class Parser(argparse.ArgumentParser):
    """argparse with this command's usage exit code (argparse's own is also 2, kept explicit here)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(Exit.USAGE, f"{self.prog}: error: {message}\n")


def signed_in(args: argparse.Namespace, paths: Paths, permission: str, unit: str | None = None):
    """The named user's session if the password is right and the role allows `permission` for
    `unit`; otherwise the exit code (NOT_SIGNED_IN or REJECTED), the reason printed."""
    from pipelines.access import AccessError, PermissionDenied, SignInFailure, UserStore, authenticate, require
    from pipelines.access.commands import read_password

    try:
        password = read_password(args.password_env)
    except AccessError as problem:  # no password given (unset variable, empty stdin)
        print(str(problem), file=sys.stderr)
        return Exit.NOT_SIGNED_IN
    session = authenticate(args.user, password, store=UserStore.at(paths))
    if isinstance(session, SignInFailure):
        print(session.message, file=sys.stderr)
        return Exit.NOT_SIGNED_IN
    try:
        require(session, permission, unit=unit)
    except PermissionDenied as refused:
        print(str(refused), file=sys.stderr)
        return Exit.REJECTED
    return session


def add_user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="your account; the password is read from stdin")
    parser.add_argument("--password-env", help="read the password from this environment variable instead")


def cmd_submit(args: argparse.Namespace, paths: Paths) -> int:
    from datetime import datetime

    from pipelines.intake.api import (MAX_BYTES, InvalidRequest, LandingZone, ReasonRequired, read_offered_file,
                                      submit, validate_request, warm_up_checks)

    warm_up_checks()  # Great Expectations imports while the password is checked and the file is read
    try:  # before signing in: the permission check needs the exact unit code
        request = validate_request(args.unit, args.period, datetime.now(UTC).date(), args.kind)
    except InvalidRequest as unusable:
        print(str(unusable), file=sys.stderr)
        return Exit.USAGE
    session = signed_in(args, paths, "submit_return", request.rocu_code)
    if isinstance(session, int):
        return session
    try:
        content = read_offered_file(Path(args.file), MAX_BYTES)
    except ValueError as unusable:
        print(str(unusable), file=sys.stderr)
        return Exit.USAGE
    if args.dry_run:
        return dry_run(args, paths, request, content, session.username)
    try:
        verdict = submit(LandingZone(paths.landing), content, original_name=Path(args.file).name,
                         rocu_code=request.rocu_code, period=request.period, submitted_by=session.username,
                         reason=args.reason, kind=args.kind)
    except ReasonRequired as refused:  # late, or replacing a signed-off return: nothing was landed
        print(f"NOT SUBMITTED: {refused} Run the command again with --reason \"...\".", file=sys.stderr)
        return Exit.USAGE
    print(verdict.summary())
    for problem in verdict.problems:
        print("  " + problem.as_text())
    print(f"Report: {paths.landing / 'reports' / f'{verdict.submission.submission_id}.html'}")
    return Exit.OK if verdict.accepted else Exit.REJECTED


def dry_run(args: argparse.Namespace, paths: Paths, request, content: bytes, who: str) -> int:
    """`rocu submit --dry-run`: the verdict the file would get, with nothing stored but the audit line."""
    from pipelines.intake.api import LandingZone, check_return, counts

    result = check_return(LandingZone(paths.landing), content, original_name=Path(args.file).name,
                          rocu_code=request.rocu_code, period=request.period, checked_by=who, kind=args.kind)
    print(f"CHECKED, NOT SUBMITTED: {result.original_name} for {result.rocu_code} {result.period} would be "
          f"{result.state.replace('_', ' ')}: "
          f"{counts(result.problems)}. Nothing was stored.")
    for problem in result.problems:
        print("  " + problem.as_text())
    for needed in result.needs_reason:
        print(f"  To submit it, give --reason: {needed.warning}")
    return Exit.OK if result.state != "rejected" else Exit.REJECTED


def cmd_approve(args: argparse.Namespace, paths: Paths) -> int:
    """Sign off a return as a named approver: the password is checked and the role enforced."""
    from pipelines.access import PermissionDenied
    from pipelines.intake.api import LandingZone, approve

    session = signed_in(args, paths, "approve_return")  # own unit; approve() checks the return's unit
    if isinstance(session, int):
        return session
    try:
        sub = approve(LandingZone(paths.landing), args.submission_id, session)
    except (PermissionDenied, ValueError, KeyError) as refused:
        print(str(refused).strip("'\""), file=sys.stderr)
        return Exit.REJECTED
    print(f"APPROVED: {sub.original_name} for {sub.rocu_code} {sub.period}, version {sub.version}, "
          f"by {session.username}. It counts in published figures after the next warehouse build.")
    return Exit.OK


def cmd_mapping(args: argparse.Namespace, paths: Paths) -> int:
    from pipelines.configure import change_mapping

    session = signed_in(args, paths, "manage_mappings")
    if isinstance(session, int):
        return session
    try:  # the same call as the Admin page's, which checks the permission again
        row = change_mapping(session, args.unit, args.label, args.metric, args.multiplier, args.local_unit, args.note,
                             paths=paths)
    except ValueError as problem:
        print(str(problem), file=sys.stderr)
        return Exit.USAGE
    print(f"{row['rocu_code']}: '{row['local_label']}' now maps to {row['metric_id']} (x {row['multiplier']}). "
          "It applies to returns checked from now on and to the next warehouse build.")
    return Exit.OK


def cmd_window(args: argparse.Namespace, paths: Paths) -> int:
    from datetime import date

    from pipelines.configure import change_window

    session = signed_in(args, paths, "manage_windows")
    if isinstance(session, int):
        return session
    try:  # the same call as the Admin page's
        row = change_window(session, date.fromisoformat(args.effective_from), args.deadline_day,
                            args.approval == "required", args.description, four_eyes=args.four_eyes, paths=paths)
    except ValueError as problem:
        print(str(problem), file=sys.stderr)
        return Exit.USAGE
    print(f"From {row['effective_from']} returns are due by working day {row['deadline_working_day']}; "
          f"approval {'required' if row['approval_required'] == 'true' else 'not required'}; "
          f"four eyes {'on' if row['four_eyes'] == 'true' else 'off'}.")
    return Exit.OK


def cmd_status(args: argparse.Namespace, paths: Paths) -> int:
    from pipelines.access import allowed_units
    from pipelines.intake.api import Registry

    session = signed_in(args, paths, "view_submissions", args.unit)
    if isinstance(session, int):
        return session
    allowed = allowed_units(session, "view_submissions")  # a unit's people see their own unit only
    subs = [s for s in Registry(paths.landing / "registry.sqlite").submissions(kind=None)  # monthly and resources
            if (allowed == "all" or s.rocu_code in allowed) and (not args.unit or s.rocu_code == args.unit)]
    print(f"{'id':>5} {'unit':8} {'period':7} {'ver':>3} {'state':24} {'err':>4} {'warn':>4}  submitted            file")
    for s in subs:
        print(f"{s.submission_id:>5} {s.rocu_code:8} {s.period:7} {s.version:>3} {s.state:24} {s.error_count:>4}"
              f" {s.warning_count:>4}  {s.submitted_at[:19]:20} {s.original_name}")
    print(f"{len(subs)} submissions")
    return Exit.OK


def cmd_demo(args: argparse.Namespace, paths: Paths) -> int:
    if args.action == "accounts":
        from pipelines.demo.accounts import ensure_demo_accounts

        print(ensure_demo_accounts(paths))
        return Exit.OK
    if args.action == "generate":
        from pipelines.demo.generate import main as generate

        return generate(["--out", str(paths.demo), *args.rest]) or 0
    from pipelines.demo.load import load_demo
    from pipelines.intake.api import LandingZone

    counts = load_demo(paths.demo, LandingZone(paths.landing))
    print("demo returns by verdict: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return Exit.OK


def cmd_report(args: argparse.Namespace, paths: Paths) -> int:
    from pipelines.papers import NETWORK, PaperRegister, ReportError, Request, default_name, issue, make_report, write

    try:
        request = Request(NETWORK if args.network else (args.unit or ""), args.quarter, args.marking)
        if not request.unit:
            print("Name a unit with --unit (e.g. --unit EMSOU), or ask for --network.", file=sys.stderr)
            return Exit.USAGE
        session = (signed_in(args, paths, "view_network_reports") if request.unit == NETWORK
                   else signed_in(args, paths, "view_reports", request.unit))
        if isinstance(session, int):
            return session
        register = PaperRegister.at(paths)
        report = make_report(request, paths.published, register)
        out = Path(args.out) if args.out else paths.var / "reports" / default_name(request, args.format)
        write(report, args.format, out)
        entry = issue(report, args.format, out.read_bytes(), out.name, session.username, register)
    except ReportError as problem:
        print(str(problem), file=sys.stderr)
        return Exit.USAGE
    from pipelines.access import AuditLog

    AuditLog.at(paths).record(session.username, "report", f"{request.unit} {args.quarter} {args.format}",
                              {"out": str(out), "marking": args.marking, "register_entry": entry.issue_id,
                               "file_sha256": entry.file_sha256})
    print(f"{report.title}, {report.period_label}: {out}")
    print(f"Made from warehouse build {report.build.build_id}, published {report.build.published_at}; "
          f"audit trail head {report.build.audit_head}")
    print(f"Entered in the register of issued papers as number {entry.issue_id} (file SHA-256 {entry.file_sha256})"
          + (f"; revisions listed since paper {report.previous.issue_id} of {report.previous.issued_at[:10]}"
             if report.previous else "; no earlier paper to this board"))
    return Exit.OK


def cmd_query(args: argparse.Namespace, paths: Paths) -> int:
    """`rocu query raise|answer|close|list`: the NOCC's queries on published figures, checked as the pages are."""
    from pipelines.access import PermissionDenied, can
    from pipelines.intake.api import (LandingZone, QueryRefused, answer_nocc_query, close_query, queries_of,
                                      raise_query, visible_queries)

    zone = LandingZone(paths.landing)
    if args.query_action == "answer":
        found = [q for q in queries_of(zone) if q.query_id == args.query_id]
        session = signed_in(args, paths, "answer_query", found[0].rocu_code if found else None)
    else:
        session = signed_in(args, paths, {"raise": "raise_query", "close": "raise_query"}.get(
            args.query_action, "view_national"), getattr(args, "unit", None) or None)
    if isinstance(session, int):
        return session
    try:
        if args.query_action == "raise":
            period_type = "quarter" if "Q" in args.period.upper() else "month"
            q = raise_query(zone, session, unit=args.unit, metric=args.metric, period_type=period_type,
                            period=args.period.upper(), value_seen=args.value, question=args.question)
            print(f"RAISED: query {q.query_id} on {q.metric_id} for {q.rocu_code}, {q.period_type} {q.period}. "
                  f"{q.rocu_code} sees it in its queue on the Upload page.")
        elif args.query_action == "answer":
            q = answer_nocc_query(zone, args.query_id, args.text, session)
            print(f"ANSWERED: query {q.query_id} ({q.metric_id}, {q.period}). The NOCC sees the answer at once; "
                  "the pages show it after the next warehouse build.")
        elif args.query_action == "close":
            q = close_query(zone, args.query_id, session, args.note)
            print(f"CLOSED: query {q.query_id} ({q.rocu_code} {q.metric_id} {q.period}) by {session.username}.")
        else:
            if not (can(session, "raise_query") or can(session, "answer_query")):
                raise PermissionDenied("You are signed in with a role that neither raises nor answers queries.")
            shown = [q for q in visible_queries(zone, session) if (not args.unit or q.rocu_code == args.unit.upper())
                     and (not args.open or q.state != "closed")]
            print(f"{'id':>5} {'unit':8} {'metric':16} {'period':8} {'state':9} {'raised':11} {'by':18} question")
            for q in shown:
                print(f"{q.query_id:>5} {q.rocu_code:8} {q.metric_id:16} {q.period:8} {q.state:9} {q.raised_at[:10]:11}"
                      f" {q.raised_by:18} {q.question}" + (f"\n{'':>5} answer: {q.answer}" if q.answer else ""))
            print(f"{len(shown)} quer{'y' if len(shown) == 1 else 'ies'}")
    except PermissionDenied as refused:
        print(str(refused), file=sys.stderr)
        return Exit.REJECTED
    except QueryRefused as refused:
        print(str(refused), file=sys.stderr)
        return Exit.USAGE
    return Exit.OK


def cmd_user(args: argparse.Namespace, paths: Paths) -> int:
    from pipelines.access.commands import run_user

    return run_user(args, paths)


def cmd_audit(args: argparse.Namespace, paths: Paths) -> int:
    from pipelines.access.commands import run_audit

    return run_audit(args, paths)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="rocu", description="ROCU performance warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("submit", help="submit a monthly (or quarterly resources) return and print the verdict")
    p.add_argument("file")
    p.add_argument("--unit", required=True, help="ROCU code, e.g. EMSOU")
    p.add_argument("--period", required=True, help="month the return is for, YYYY-MM (a resources return: "
                                                    "the financial-year quarter, YYYY-Qn)")
    p.add_argument("--kind", choices=("monthly", "resources"), default="monthly",
                   help="monthly performance return (default) or quarterly resources return")
    p.add_argument("--dry-run", action="store_true",
                   help="check the file without submitting it: nothing is stored, the check is audited")
    p.add_argument("--reason", help="why it is sent after the deadline or replaces a signed-off return "
                                    "(required then; kept in the audit trail)")
    add_user_options(p)
    p.set_defaults(func=cmd_submit)
    p = sub.add_parser("approve", help="sign off an accepted return (unit approvers)", allow_abbrev=False)
    p.add_argument("submission_id", type=int, help="the submission's id, as `rocu status` shows it")
    add_user_options(p)
    p.set_defaults(func=cmd_approve)
    p = sub.add_parser("query", help="queries the NOCC raises on published figures: raise, answer, close, list")
    actions = p.add_subparsers(dest="query_action", required=True)
    q = actions.add_parser("raise", help="ask a unit about one published figure (NOCC analysts)")
    q.add_argument("--unit", required=True, help="ROCU code, e.g. EMSOU")
    q.add_argument("--metric", required=True, help="framework metric id, e.g. PUR_ARRESTS")
    q.add_argument("--period", required=True, help="the figure's month (YYYY-MM) or quarter (YYYY-Qn)")
    q.add_argument("--value", type=float, help="the figure as you saw it")
    q.add_argument("--question", required=True)
    add_user_options(q)
    q = actions.add_parser("answer", help="answer a query on your unit's figure (unit submitters and approvers)")
    q.add_argument("query_id", type=int)
    q.add_argument("--text", required=True, help="the answer: why the figure is right, or what will correct it")
    add_user_options(q)
    q = actions.add_parser("close", help="close a query (its raiser or any NOCC analyst)")
    q.add_argument("query_id", type=int)
    q.add_argument("--note", default="", help="why it is closed (kept with the query)")
    add_user_options(q)
    q = actions.add_parser("list", help="the queries you may see: all for the NOCC, your unit's for a unit")
    q.add_argument("--unit")
    q.add_argument("--open", action="store_true", help="only those not yet closed")
    add_user_options(q)
    p.set_defaults(func=cmd_query)
    p = sub.add_parser("mapping", help="map a unit's local label to a framework metric (admins)")
    p.add_argument("action", choices=["set"])
    p.add_argument("--unit", required=True)
    p.add_argument("--label", required=True, help="the label exactly as the unit writes it")
    p.add_argument("--metric", required=True, help="framework metric id, e.g. PUR_ARRESTS")
    p.add_argument("--multiplier", type=float, default=1.0, help="from the local unit to the framework's")
    p.add_argument("--local-unit", default="count")
    p.add_argument("--note", default="")
    add_user_options(p)
    p.set_defaults(func=cmd_mapping)
    p = sub.add_parser("window", help="add a submission-window rule from a date (admins)")
    p.add_argument("action", choices=["add"])
    p.add_argument("--from", dest="effective_from", required=True, help="first day the rule applies, YYYY-MM-DD")
    p.add_argument("--deadline-day", type=int, required=True, help="working day of the next month")
    p.add_argument("--approval", choices=["required", "not-required"], default="required")
    p.add_argument("--four-eyes", action=argparse.BooleanOptionalAction, default=True,
                   help="whoever submitted a version may not sign it off (default: on)")
    p.add_argument("--description", default="")
    add_user_options(p)
    p.set_defaults(func=cmd_window)
    p = sub.add_parser("status", help="list submissions by unit and month")
    p.add_argument("--unit")
    add_user_options(p)
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("demo", help="generate or load the bundled demo data")
    p.add_argument("action", choices=["generate", "load", "accounts"])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("report", help="make the consistency report for an executive board",
                       description="The consistency report for an executive board, for one quarter. Quarters are "
                                   "financial-year quarters: 2025-Q1 is April to June 2025 (the first quarter of "
                                   "financial year 2025/26), 2025-Q4 is January to March 2026. For a calendar "
                                   "quarter write C instead of Q: 2025-C1 is January to March 2025.")
    p.add_argument("--unit", help="ROCU code, e.g. EMSOU, or NETWORK for all nine units")
    p.add_argument("--network", action="store_true", help="the network edition comparing all nine units")
    p.add_argument("--quarter", required=True,
                   help="financial-year quarter, e.g. 2025-Q1 = April to June 2025 (Q1 April-June, Q2 July-September, "
                        "Q3 October-December, Q4 January-March); or a calendar quarter, e.g. 2025-C1 = January to "
                        "March 2025")
    add_user_options(p)
    p.add_argument("--format", choices=["pdf", "html", "xlsx"], default="pdf")
    p.add_argument("--out", help="where to write the file (default var/reports/...)")
    p.add_argument("--marking", default="OFFICIAL-SENSITIVE", help="protective marking, top and bottom of every page")
    p.set_defaults(func=cmd_report)
    from pipelines.access.commands import add_audit_arguments, add_user_arguments

    p = sub.add_parser("user", help="manage accounts: add, list, disable, enable, unlock, password, role")
    add_user_arguments(p)
    p.set_defaults(func=cmd_user)
    p = sub.add_parser("audit", help="the audit trail: verify, export, tail")
    add_audit_arguments(p)
    p.set_defaults(func=cmd_audit)
    args = parser.parse_args(argv)
    return int(args.func(args, Paths.from_env()))


if __name__ == "__main__":
    sys.exit(main())
