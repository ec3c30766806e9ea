"""retrans benchmarks: the figures of issue 17, each beside its target and the
same run's Harper figure.

Run with `make bench` (`--quick`: a 2 MB file instead of 20 MB and 400 small files
instead of 2,000, for a look in minutes). Prints every row as it is measured and
writes reports/bench/results.md and results.json. Every configuration runs in a
fresh process, so its time and peak memory are its own. Throughput rows turn the
sentence-parse cache off (RETRANS_PARSE_CACHE=0): they check the same seed again
and again, which a cache would answer without parsing.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_f35722fa09ccbc01.txt"
OUT = ROOT / "reports" / "bench"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).parent))


# The throughput rows exclude the language-model checker (it has its own
# benchmark, benchmarks/bench_lm.py): `lm=False` everywhere, or the "rules" row
# would load SmolLM2 and score the seed's candidates on every check.
CONFIGS: dict[str, dict[str, object]] = {
    "harper alone": {},
    "retrans rules": {"grammar": "none", "embeddings": False, "lm": False},
    "retrans rules + grammar": {"grammar": "harper", "embeddings": False, "lm": False},
    "retrans full (rules, grammar, embeddings; cache off)": {"grammar": "harper", "embeddings": True, "lm": False},
}


def words(text: str) -> int:
    return len(text.split())


def measure(config: str, texts: list[str]) -> dict[str, float]:
    """In a worker process: warm up, then time checking every text once."""
    if config == "harper alone":
        import harper

        linter = harper.Linter(harper.Dialect.CANADIAN)

        def check(t: str) -> object:
            return linter.lint(t, language="plaintext")
    else:
        from retrans.app.api import Options, build_tooling

        checker = build_tooling(Options(**CONFIGS[config])).pipeline
        check = checker.check
    check(texts[0])
    start = time.perf_counter()
    for t in texts:
        check(t)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "words_per_s": sum(map(words, texts)) / seconds,
        "ms_per_file": 1000 * seconds / len(texts),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _env(**extra: str) -> dict[str, str]:
    # Byte-code caching on, as in any installed copy: with PYTHONDONTWRITEBYTECODE
    # set (some shells here set it) every start compiles retrans' modules again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return dict(env, RETRANS_EMBEDDING_CACHE="off", **extra)


def in_subprocess(config: str, n_files: int) -> dict[str, float]:
    code = (
        "import json,sys; sys.path.insert(0, 'benchmarks'); from bench import measure, SEED;"
        f"t = SEED.read_text(encoding='utf-8'); print(json.dumps(measure({config!r}, [t] * {n_files})))"
    )
    env = _env(RETRANS_PARSE_CACHE="0")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def run(args: list[str], env: dict[str, str] | None = None) -> dict[str, float | str]:
    """One `retrans` process: wall seconds, its peak MB, its stderr."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "retrans"), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env or _env(),
        text=True,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    return {
        "seconds": time.perf_counter() - t0,
        "peak_mb": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
        "stderr": err[-2000:],
    }


def cold_start(args: list[str], runs: int = 3, server: bool = False) -> tuple[float, float]:
    """(first call with empty caches, median of `runs` repeat calls). `server`: with
    RETRANS_SERVER=auto, the first call starts a warm server (app/server.py) and
    the repeats are served by it; it is stopped at the end. Without, no server is
    used (RETRANS_SERVER=off), whatever runs on the machine."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as cache:
        env = _env(RETRANS_CACHE_DIR=cache, RETRANS_SERVER="auto" if server else "off")
        try:
            first = float(run(args, env)["seconds"])
            repeats = [float(run(args, env)["seconds"]) for _ in range(runs)]
        finally:
            if server:
                run(["serve", "--stop"], env)
    return first, statistics.median(repeats)


def small_files(n_files: int, jobs: int, tmp: Path) -> dict[str, float]:
    """`retrans check -j N` (default configuration: rules, Harper, embeddings and
    the LM checker, embedding cache off) over `n_files` one-line files."""
    folder = tmp / f"lines{n_files}"
    folder.mkdir()
    lines = [x.strip() for x in SEED.read_text(encoding="utf-8").splitlines() if len(x.split()) > 6]
    for i in range(n_files):
        (folder / f"a{i:05d}.txt").write_text(f"{lines[i % len(lines)]} ({i})\n", encoding="utf-8")
    r = run(["check", "-j", str(jobs), "--format", "json", str(folder)])
    return {"files": n_files, "jobs": jobs, "seconds": float(r["seconds"]), "peak_mb": float(r["peak_mb"])}


def _ok(name: str, r: dict[str, float | str]) -> None:
    """A run that failed (exit 2) must not be reported as a time."""
    if r["exit"] not in (0, 1):
        raise SystemExit(f"{name} failed (exit {r['exit']}): {r['stderr']}")


def big_file(size: int, tmp: Path) -> dict[str, float | str]:
    """A `size`-byte file (the seed repeated): check, check rules only, and fix rules only."""
    from bench_scaling import corpus

    path = tmp / "big.txt"
    path.write_text(corpus(size), encoding="utf-8")
    # A file over 1,000,000 characters is an error by default (core/document.py).
    env = _env(RETRANS_MAX_CHARS=str(size + 1))
    out: dict[str, float | str] = {"mb": size / 1e6}
    # `--no-lm` throughout, as the rows (which predate the LM checker).
    check = run(["check", "--no-embeddings", "--no-lm", "--format", "json", str(path)], env)
    _ok("check", check)
    out |= {"check_s": check["seconds"], "check_mb": check["peak_mb"]}
    print(
        f"  check --no-embeddings --no-lm: {float(check['seconds']):.1f} s, {float(check['peak_mb']):.0f} MB",
        flush=True,
    )
    rules = run(["check", "--grammar", "none", "--no-embeddings", "--no-lm", "--format", "json", str(path)], env)
    _ok("check --grammar none", rules)
    out |= {"rules_s": rules["seconds"], "rules_mb": rules["peak_mb"]}
    print(f"  check --grammar none --no-embeddings --no-lm: {float(rules['seconds']):.1f} s", flush=True)
    fix = run(
        ["fix", "--grammar", "none", "--no-embeddings", "--no-lm", "--output-dir", str(tmp / "fixed"), str(path)], env
    )
    _ok("fix", fix)
    out |= {"fix_s": fix["seconds"], "fix_mb": fix["peak_mb"]}
    out["fix_progress_lines"] = sum(1 for x in str(fix["stderr"]).splitlines() if "fix pass" in x)
    print(f"  fix --grammar none --no-embeddings --no-lm: {float(fix['seconds']):.1f} s", flush=True)
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    quick = "--quick" in sys.argv
    big_size = 2_000_000 if quick else 20_000_000
    n_small = 400 if quick else 2000
    results: dict[str, object] = {}
    rows: list[str] = []

    def row(figure: str, value: str, target: str, ok: bool | None, harper: str = "") -> None:
        rows.append(f"| {figure} | {value} | {target} | {harper} | {'' if ok is None else verdict(ok)} |")
        print(rows[-1], flush=True)

    print("| figure | measured | target | Harper (same run) | |", flush=True)
    through = {}
    for config in CONFIGS:
        # The embedding model is slow enough that 20 checks give a steady figure.
        through[config] = in_subprocess(config, 20 if "embeddings" in config else 100)
        print(f"  {config}: {through[config]['words_per_s']:,.0f} words/s", flush=True)
    results["throughput"] = through
    harper = through["harper alone"]["words_per_s"]
    rules = through["retrans rules"]["words_per_s"]
    grammar = through["retrans rules + grammar"]["words_per_s"]
    full = through["retrans full (rules, grammar, embeddings; cache off)"]["words_per_s"]
    hw = f"{harper:,.0f} words/s"
    row(
        "rules-only words/s vs Harper alone",
        f"{rules:,.0f} ({rules / harper:.2f}×)",
        "≥ 1.0× (aim 2×)",
        rules >= harper,
        hw,
    )
    row("rules + grammar words/s", f"{grammar:,.0f}", "≥ 30,000", grammar >= 30_000, hw)
    row("default configuration words/s, models loaded, cache off", f"{full:,.0f}", "≥ 5,000", full >= 5000, hw)

    # The two fast rows predate the LM checker: they are measured without it
    # (`--no-lm`); "default" is the real default, LM checker included.
    cold = {
        "--grammar none --no-embeddings --no-lm": (
            ["check", "--grammar", "none", "--no-embeddings", "--no-lm", str(SEED)],
            0.6,
        ),
        "--no-embeddings --no-lm": (["check", "--no-embeddings", "--no-lm", str(SEED)], 1.5),
        "default (LM checker included)": (["check", str(SEED)], 3.0),
    }
    results["cold_start"] = {}
    for server in (False, True):
        for name, (args, goal) in cold.items():
            first, repeat = cold_start(args, server=server)
            label = f"{name}, warm server" if server else name
            results["cold_start"][label] = {"first": first, "repeat": repeat}  # type: ignore[index]
            target = f"≤ {goal:g} s" + (" on a repeat call" if name.startswith("default") else "")
            how = "RETRANS_SERVER=auto: the first call starts the server" if server else "no server"
            row(
                f"cold `check` of one file: {name}; {how} (first call / repeat)",
                f"{first:.2f} s / {repeat:.2f} s",
                target,
                repeat <= goal,
            )
    # Harper's own cold start on the same file, for comparison (a fresh process).
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, harper; l = harper.Linter(harper.Dialect.CANADIAN); "
            "l.lint(open(sys.argv[1], encoding='utf-8').read(), language='plaintext')",
            str(SEED),
        ],
        check=True,
    )
    harper_cold = time.perf_counter() - t0
    results["cold_start"]["harper alone"] = harper_cold  # type: ignore[index]
    row("cold start of Harper alone on the same file (fresh process)", f"{harper_cold:.2f} s", "", None)

    with tempfile.TemporaryDirectory() as tmp:
        print(f"one {big_size / 1e6:g} MB file:", flush=True)
        big = big_file(big_size, Path(tmp))
        results["big_file"] = big
        mb = f"{big_size / 1e6:g} MB"
        row(
            f"one {mb} file: `check --no-embeddings --no-lm`",
            f"{float(big['check_s']):.1f} s, {float(big['check_mb']):.0f} MB",
            "≤ 60 s, ≤ 600 MB",
            float(big["check_s"]) <= 60 and float(big["check_mb"]) <= 600,
        )
        ratio = float(big["fix_s"]) / float(big["rules_s"])
        row(
            f"one {mb} file: `fix --grammar none --no-embeddings --no-lm`",
            f"{float(big['fix_s']):.1f} s = {ratio:.2f}× its check ({float(big['rules_s']):.1f} s); "
            f"{big['fix_progress_lines']} progress lines",
            "≤ 2× its check, with progress",
            ratio <= 2 and int(big["fix_progress_lines"]) > 0,
        )
        smalls = [small_files(n, 2, Path(tmp)) for n in (n_small // 10, n_small)]
        results["small_files"] = smalls
        s = smalls[-1]
        rate = s["files"] / s["seconds"]
        row(
            f"{n_small:,} one-line files, default (rules, Harper, embeddings, LM checker), `-j 2`",
            f"{s['seconds']:.1f} s ({rate:.1f} files/s); peak {s['peak_mb']:.0f} MB "
            f"(vs {smalls[0]['peak_mb']:.0f} MB for {smalls[0]['files']:.0f} files)",
            "≥ 25 files/s",
            rate >= 25,
        )

    lines = [
        "# retrans benchmarks (issue 17)",
        "",
        f"Machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}. "
        f"Seed: {words(SEED.read_text())} words.{' Quick run.' if quick else ''}",
        "",
        "| figure | measured | target | Harper (same run) | |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Throughput: 100 checks of the seed in one process after one warm-up check. Cold starts: "
        "a fresh process on the seed; the first call with empty rule caches, then the median of "
        "three repeats; with the warm server, the first call starts it (RETRANS_SERVER=auto) and "
        "the repeats are served by it (the command's own process only relays). "
        "The large file is the seed repeated (benchmarks/bench_scaling.py). Peak MB "
        "of the small-file run is the largest single process.",
    ]
    (OUT / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"Wrote {OUT / 'results.md'}")


if __name__ == "__main__":
    main()
