"""Verdict speed (issue 16, item 4): where a verdict's time goes, with figures and ratios.

    python scripts/bench_verdict.py [--repeat 3]

Prints, each the median of --repeat runs (wall and CPU seconds; on a shared machine CPU is the
steadier figure):
- a cold `rocu submit --dry-run` of a typical demo return, as a new CLI process (signed in);
- both cold verdicts again while the intake worker runs (pipelines/intake/check/worker.py);
- the Upload page's first verdict in a new server process, the file picked --pick-seconds after the
  page was shown (the verdict's own time; its CPU is the checking thread's and the warm-up's);
- with --before DIR, both of those for an older copy of the code, interleaved with these;
- beside it, new processes that only start Python, only import the intake, and only import
  Great Expectations, so the share of the cold verdict that is GX's import shows;
- warm verdicts in one process (GX already imported): the typical return and workbooks of about
  0.45 MB and 1 MB (a notes sheet of 30,000 and 68,000 rows), against the page's 1 s;
- for the 1 MB workbook, the sheet-geometry scan from the sheet XML (xlsx_parts.scan_sheet) beside the
  fast reader's own read of the same sheets.
Nothing here is a test; the figures feed the issue's closing note.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
BIN = Path(sys.executable).parent
PASSWORD = "bench-verdict-password-1"  # a throwaway account in a temporary folder


READER_STOPPED = "could not be read safely"  # the reading child's wall-time limit hit (a loaded machine)


def child_seconds(command: list[str], env: dict, stdin: str = "") -> tuple[float, float] | None:
    """(wall, CPU) of one child process, its own children included; None when the reading child was
    stopped at its time limit (then no Great Expectations check ran, and the figure is not a verdict's)."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, input=stdin, text=True, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if READER_STOPPED in done.stdout:
        return None
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


PAGE = """
import time
from datetime import date
from pathlib import Path
import pipelines.intake.api as api
warm = getattr(api, "warm_up_checks", None)  # the older code has none
if warm:
    warm()
time.sleep({pick})
src = Path("{src}")
start, cpu = time.perf_counter(), time.process_time()
verdict = api.check_return(api.LandingZone(Path("{src}").parent / "page-landing"), src.read_bytes(), original_name=src.name,
                 rocu_code="YHROCU", period="2025-09", checked_by="bench", today=date(2026, 11, 24))
print(time.perf_counter() - start, time.process_time() - cpu)
print("stopped" if any(p.rule == "reader_limit_exceeded" for p in verdict.problems) else "read")
"""


def child_seconds_printed(command: list[str], env: dict) -> tuple[float, float] | None:
    """(wall, CPU) a child measured itself and printed; None when its reading child was stopped."""
    done = subprocess.run(command, env=env, text=True, capture_output=True, check=True)
    wall, cpu, read = done.stdout.split()[-3:]
    return None if read == "stopped" else (float(wall), float(cpu))


def in_process_seconds(fn) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def padded_workbook(src: Path, rows: int) -> bytes:
    """The return with a notes sheet of `rows` rows (about 0.45 MB at 30,000, 1 MB at 68,000)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    notes = wb.create_sheet("Notes")
    for r in range(1, rows):
        notes.cell(r, 1, f"Note {r}: operational context recorded by the performance lead.")
        notes.cell(r, 2, r * 1.5)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def median_pair(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a copy of older code (its pipelines/, seeds/, expectations/, "
                        "e.g. from `git archive`): its cold CLI and page verdicts are timed beside these")
    parser.add_argument("--pick-seconds", type=float, default=5.0,
                        help="how long the person takes to pick a file on the Upload page (default 5)")
    args = parser.parse_args()
    from pipelines.demo.generate import main as generate

    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-verdict-"))
    env = {**os.environ, "ROCU_VAR_DIR": str(tmp / "var"), "GX_ANALYTICS_ENABLED": "false"}
    generate(["--out", str(tmp / "demo"), "--months", "3", "--end-month", "2025-09", "--quiet"])
    src = next((tmp / "demo" / "returns" / "YHROCU").glob("*2025-09*"))
    rocu = str(BIN / "rocu")
    subprocess.run([rocu, "user", "add", "bench.yh", "--role", "unit_submitter", "--unit", "YHROCU"], env=env,
                   input=PASSWORD + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
    cli = [rocu, "submit", str(src), "--unit", "YHROCU", "--period", "2025-09", "--user", "bench.yh", "--dry-run"]
    python = [sys.executable, "-c"]
    page = [*python, PAGE.format(src=str(src), pick=args.pick_seconds)]
    cold = {"rocu submit --dry-run, new process (typical return)": (cli, PASSWORD + "\n"),
            "page: server process starts, file picked, first verdict": (page, ""),
            "  python start only": ([*python, "pass"], ""),
            "  import the intake (pipelines.intake.api)": ([*python, "import pipelines.intake.api"], ""),
            "  import great_expectations": ([*python, "import great_expectations"], "")}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cold}
    stopped: dict[str, int] = {}  # runs left out: the reading child hit its time limit, no GX check ran
    if args.before:
        before_env = {**env, "PYTHONPATH": str(args.before.resolve())}
        for name in list(cold)[:2]:
            cold[f"{name} (before)"] = (*cold[name], before_env)
            samples[f"{name} (before)"] = []
    for round_ in range(args.repeat):
        for name in list(cold) if round_ % 2 == 0 else list(cold)[::-1]:  # interleaved, order alternating
            command, stdin, *own_env = cold[name]
            if "page:" in name:  # its figure is the verdict's own wall time, printed by the child
                timing = child_seconds_printed(command, own_env[0] if own_env else env)
            else:
                timing = child_seconds(command, own_env[0] if own_env else env, stdin)
            if timing is None:
                stopped[name] = stopped.get(name, 0) + 1
            else:
                samples[name].append(timing)

    # The same cold verdicts while the intake worker runs (Great Expectations loaded there, not in them).
    from pipelines.intake.check import worker_client as worker

    served = subprocess.Popen([sys.executable, "-m", "pipelines.intake.check.worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    var = Path(env["ROCU_VAR_DIR"])
    deadline = time.monotonic() + 600
    while not worker.is_running(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    with_worker = {f"{name}, intake worker running": cold[name] for name in list(cold)[:2]}
    try:
        for name, (command, stdin, *_) in with_worker.items():
            samples[name] = []
            for _ in range(args.repeat):
                timing = (child_seconds_printed(command, env) if "page:" in name
                          else child_seconds(command, env, stdin))
                if timing is None:
                    stopped[name] = stopped.get(name, 0) + 1
                else:
                    samples[name].append(timing)
    finally:
        served.terminate()
        served.wait(timeout=60)

    from pipelines.intake.api import LandingZone, check_return
    from pipelines.intake.standardise.xlsx_parts import read_part, scan_sheet, sheet_parts

    zone = LandingZone(tmp / "warm" / "landing")
    books = [padded_workbook(src, rows) for rows in (30_000, 68_000)]  # about 0.45 MB and 1 MB
    big = books[-1]

    def verdict(content: bytes) -> None:
        check_return(zone, content, original_name=src.name, rocu_code="YHROCU", period="2025-09",
                     checked_by="bench", today=date(2026, 11, 24))

    verdict(src.read_bytes())  # warm: imports and the GX context
    warm = {f"warm verdict, typical return ({len(src.read_bytes()) / 1024:.0f} KB)": src.read_bytes(),
            **{f"warm verdict, {len(book) / 1e6:.2f} MB workbook": book for book in books}}
    for name, content in warm.items():
        samples[name] = [in_process_seconds(lambda c=content: verdict(c)) for _ in range(args.repeat)]
    book_path = tmp / "big.xlsx"
    book_path.write_bytes(big)

    def scan_all() -> None:
        with zipfile.ZipFile(book_path) as book:
            for part in sheet_parts(book).values():
                scan_sheet(read_part(book, part, 10**9))

    def fast_read() -> None:
        import fastexcel

        reader = fastexcel.read_excel(book_path)
        for name in reader.sheet_names:
            reader.load_sheet(name, header_row=None, dtypes="string").to_polars()

    samples[f"  sheet geometry from the XML (scan_sheet), {len(big) / 1e6:.1f} MB book"] = [in_process_seconds(scan_all)
                                                                         for _ in range(args.repeat)]
    samples["  the fast reader's read of the same sheets (fastexcel)"] = [in_process_seconds(fast_read)
                                                                        for _ in range(args.repeat)]
    print(f"Medians of {args.repeat} runs; cold processes interleaved. Load average now: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    print(f"{'measure':58} {'wall s':>7} {'CPU s':>7}")
    for name, times in samples.items():
        wall, cpu = median_pair(times) if times else (float("nan"), float("nan"))
        left_out = f"  ({stopped[name]} run(s) left out: reader stopped at its time limit)" if name in stopped else ""
        print(f"{name:58} {wall:7.2f} {cpu:7.2f}{left_out}")
    cli_cpu = median_pair(samples[list(cold)[0]])[1]
    gx_cpu = median_pair(samples["  import great_expectations"])[1]
    start_cpu = median_pair(samples["  python start only"])[1]
    scan, read = (median_pair(samples[k])[1] for k in list(samples)[-2:])
    print(f"GX import's share of the cold verdict (CPU, python start taken off both): "
          f"{(gx_cpu - start_cpu) / (cli_cpu - start_cpu):.0%}")
    print(f"cold verdict CPU without GX's import: {cli_cpu - gx_cpu + start_cpu:.2f} s "
          f"(ratio cold / that: {cli_cpu / (cli_cpu - gx_cpu + start_cpu):.2f}x); target 2 s wall.")
    print(f"geometry scan / fast read (CPU): {scan / read:.2f}x")
    for name in with_worker:
        if samples[name]:
            wall = median_pair(samples[name])[0]
            cold_wall = median_pair(samples[name.removesuffix(", intake worker running")])[0]
            target = 1.0 if "page:" in name else 2.0
            print(f"{name}: {wall:.2f} s wall, {cold_wall / wall:.1f}x faster than in its own process; "
                  f"target {target:.0f} s wall.")
    for name in (k for k in warm if "workbook" in k):  # the page parses in its own process, as here
        print(f"{name}: {median_pair(samples[name])[0]:.2f} s wall; target 1 s wall from the page.")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
