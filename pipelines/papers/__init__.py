"""Consistency reports for executive boards: one ROCU (or the network), one quarter,
as a board paper (PDF, HTML) or as data (XLSX), all from the published warehouse.

    report = make_report(Request("EMSOU", "2026-Q1"), Paths.from_env().published)
    write(report, "pdf", Path("emsou-2026-Q1.pdf"))

Quarters are financial-year quarters (2026-Q1 = April to June 2026); 2026-C1 names the
calendar quarter January to March 2026 (see model.QUARTER_HELP and dbt's dim_quarter).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pipelines.papers.data import build_of, open_published, read_figures
from pipelines.papers.model import FORMATS, NETWORK, QUARTER_HELP, Report, ReportError, Request
from pipelines.papers.register import IssuedPaper, PaperRegister, revisions_since
from pipelines.serving.formats import long_date
from pipelines.papers.sections import build_sections
from pipelines.papers.sections.common import Context

__all__ = ["FORMATS", "NETWORK", "QUARTER_HELP", "IssuedPaper", "PaperRegister", "Report", "ReportError", "Request",
           "make_report", "render", "write", "issue", "default_name"]


def make_report(request: Request, published: Path, register: PaperRegister | None = None) -> Report:
    """The paper for `request` from the published warehouse. With the register of issued papers,
    its revisions section lists the figures that changed since the paper last issued to the same
    board (from another build); without it, or before any, every change since first submission."""
    with open_published(published) as con:  # the build and its figures through one connection
        build = build_of(con)
        figures = read_figures(con, request)
    digest = hashlib.sha256()
    for name, frame in figures.frames().items():
        digest.update(name.encode())
        digest.update(frame.to_csv(index=False).encode())
    build.figures_sha256 = digest.hexdigest()
    previous = register.last_issued(request.unit, build.build_id) if register else None
    changed = revisions_since(register.figures(previous.issue_id), figures.monthly) if previous else None
    ctx = Context(request, figures, previous, changed)
    units = figures.units.set_index("rocu_code")
    subject = "the ROCU network (all nine units)" if request.is_network else \
        f"{request.unit} ({units.loc[request.unit, 'rocu_name']})"
    return Report(
        request=request,
        title=f"Consistency report: {subject}",
        subject=subject,
        period_label=f"{request.quarter} ({ctx.quarter_label})",
        data_date=_data_date(build.published_at),
        build=build,
        sections=build_sections(ctx),
        figures_held=figures.monthly,
        previous=previous,
    )


def issue(report: Report, fmt: str, data: bytes, file_name: str, issued_by: str,
          register: PaperRegister) -> IssuedPaper:
    """Enter a paper made for a board in the register: who, which board, which build, the file's hash."""
    return register.issue(issued_by=issued_by, board=report.request.unit, quarter=report.request.quarter, fmt=fmt,
                          file_name=file_name, file_sha256=hashlib.sha256(data).hexdigest(),
                          build_id=report.build.build_id, build_published_at=report.build.published_at,
                          figures_sha256=report.build.figures_sha256, figures=report.figures_held)


def render(report: Report, fmt: str) -> bytes:
    """The paper as bytes in one of FORMATS."""
    if fmt == "html":
        from pipelines.papers.html import render_html
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        from pipelines.papers.pdf import render_pdf
        return render_pdf(report)
    if fmt == "xlsx":
        from pipelines.papers.xlsx import render_xlsx
        return render_xlsx(report)
    raise ReportError(f"'{fmt}' is not a report format. Choose one of {', '.join(FORMATS)}.")


def write(report: Report, fmt: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(report, fmt))
    return out


def default_name(request: Request, fmt: str) -> str:
    return f"rocu-consistency-{request.unit.lower()}-{request.quarter}.{fmt}"


def _data_date(published_at: str) -> str:
    try:
        return long_date(datetime.fromisoformat(published_at).date())
    except ValueError:
        return published_at
