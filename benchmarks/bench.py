"""retrans benchmarks: throughput against Harper, cold start, memory, scaling.

Run with `make bench`. Writes reports/bench/results.md (tables), results.json and
scaling.png, and prints the tables. Every configuration is measured in a fresh
subprocess so its peak memory is its own. Goals (issue 8): rules-only throughput at
least Harper's words per second; a cold `retrans check` of one seed file with rules
and grammar under 1.5 s; the full pipeline at least 3,000 words per second.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
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


CONFIGS: dict[str, dict[str, object]] = {
    "harper alone": {},
    "retrans rules": {"grammar": "none", "embeddings": False},
    "retrans rules + grammar": {"grammar": "harper", "embeddings": False},
    "retrans full (rules, grammar, embeddings; cache off)": {"grammar": "harper", "embeddings": True},
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


def in_subprocess(config: str, n_files: int) -> dict[str, float]:
    code = (
        "import json,sys; sys.path.insert(0, 'benchmarks'); from bench import measure, SEED;"
        f"t = SEED.read_text(encoding='utf-8'); print(json.dumps(measure({config!r}, [t] * {n_files})))"
    )
    env = dict(os.environ, RETRANS_EMBEDDING_CACHE="off")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def cold_start(args: list[str], runs: int = 3) -> float:
    times = []
    env = dict(os.environ, RETRANS_EMBEDDING_CACHE="off")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "retrans"), *args], cwd=ROOT, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def batch(n_files: int, jobs: int, tmp: Path) -> dict[str, float]:
    folder = tmp / f"corpus{n_files}"
    if not folder.exists():
        folder.mkdir()
        for i in range(n_files):
            shutil.copy(SEED, folder / f"a{i:04d}.txt")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "retrans"), "check", "--no-embeddings", "-j", str(jobs), "--format", "json", str(folder)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    return {
        "files": n_files,
        "jobs": jobs,
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
    }


def big_file(size: int) -> dict[str, float]:
    code = (
        "import json,sys,time,resource; sys.path.insert(0,'benchmarks'); from bench_scaling import corpus;"
        "from retrans.app.api import Options, build_tooling; c = build_tooling(Options(embeddings=False)).pipeline;"
        f"c.check(corpus(20000)); t = corpus({size}); s = time.perf_counter(); c.check(t);"
        "print(json.dumps({'seconds': time.perf_counter() - s,"
        " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return {"mb": size / 1e6, **json.loads(res.stdout.strip().splitlines()[-1])}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    quick = "--quick" in sys.argv
    results: dict[str, object] = {}
    lines = [
        "# retrans benchmarks",
        "",
        f"Machine: {os.cpu_count()} cores. Seed: {words(SEED.read_text())} words.",
        "",
    ]

    lines += [
        "## Throughput (models loaded; one process per row)",
        "",
        "| configuration | corpus | words/s | ms per file | peak MB |",
        "|---|---|---:|---:|---:|",
    ]
    through = {}
    for config in CONFIGS:
        for n in (1, 100):
            r = in_subprocess(config, n)
            through[(config, n)] = r
            lines.append(
                f"| {config} | {n} file(s) | {r['words_per_s']:,.0f} | {r['ms_per_file']:.1f} | {r['peak_mb']:.0f} |"
            )
            print(lines[-1], flush=True)
    results["throughput"] = {f"{k[0]} / {k[1]}": v for k, v in through.items()}

    lines += [
        "",
        "## Cold start of one `retrans check` process on the seed (median of 3)",
        "",
        "| command | seconds |",
        "|---|---:|",
    ]
    cold = {
        "rules only (--grammar none --no-embeddings)": cold_start(
            ["check", "--grammar", "none", "--no-embeddings", str(SEED)]
        ),
        "rules + grammar (--no-embeddings)": cold_start(["check", "--no-embeddings", str(SEED)]),
        "rules + grammar + embeddings (default), cold cache": cold_start(["check", str(SEED)]),
    }
    for k, v in cold.items():
        lines.append(f"| retrans check {k} | {v:.2f} |")
        print(lines[-1], flush=True)
    results["cold_start"] = cold

    lines += [
        "",
        "## Scaling with the number of files (`retrans check --no-embeddings DIR`, whole process; "
        "peak MB of the largest process)",
        "",
        "| files | -j | seconds | s per file | peak MB |",
        "|---:|---:|---:|---:|---:|",
    ]
    scaling = []
    with tempfile.TemporaryDirectory() as tmp:
        counts = (1, 10, 100) if quick else (1, 10, 100, 1000)
        for n in counts:
            for jobs in (1, 2) if n == counts[-1] else (1,):
                r = batch(n, jobs, Path(tmp))
                scaling.append(r)
                lines.append(f"| {n} | {jobs} | {r['seconds']:.1f} | {r['seconds'] / n:.3f} | {r['peak_mb']:.0f} |")
                print(lines[-1], flush=True)
    results["files"] = scaling

    lines += [
        "",
        "## Scaling with the size of one file (rules + grammar, no embeddings, models loaded)",
        "",
        "| MB | seconds | s per MB | peak MB |",
        "|---:|---:|---:|---:|",
    ]
    sizes = []
    for size in (100_000, 1_000_000) if quick else (100_000, 1_000_000, 5_000_000, 20_000_000):
        r = big_file(size)
        sizes.append(r)
        lines.append(f"| {r['mb']:.1f} | {r['seconds']:.1f} | {r['seconds'] / r['mb']:.1f} | {r['peak_mb']:.0f} |")
        print(lines[-1], flush=True)
    results["sizes"] = sizes

    harper = through[("harper alone", 100)]["words_per_s"]
    rules = through[("retrans rules", 100)]["words_per_s"]
    full = through[("retrans full (rules, grammar, embeddings; cache off)", 100)]["words_per_s"]
    lines += [
        "",
        "## Goals",
        "",
        f"- rules-only throughput vs Harper: {rules:,.0f} vs {harper:,.0f} words/s "
        f"({'met' if rules >= harper else f'missed by {100 * (1 - rules / harper):.0f} %'})",
        f"- cold start with rules and grammar: {cold['rules + grammar (--no-embeddings)']:.2f} s (goal 1.5 s: "
        f"{'met' if cold['rules + grammar (--no-embeddings)'] < 1.5 else 'missed'})",
        f"- full pipeline throughput (models loaded, embedding cache off): {full:,.0f} words/s (goal 3,000: "
        f"{'met' if full >= 3000 else f'missed by {100 * (1 - full / 3000):.0f} %'})",
    ]
    (OUT / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    plot(scaling, sizes)
    print("\n".join(lines[-3:]))
    print(f"Wrote {OUT / 'results.md'} and {OUT / 'scaling.png'}")


def plot(scaling: list[dict[str, float]], sizes: list[dict[str, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    one = [r for r in scaling if r["jobs"] == 1]
    a.plot([r["files"] for r in one], [r["seconds"] for r in one], "o-", label="-j 1")
    two = [r for r in scaling if r["jobs"] == 2]
    a.plot([r["files"] for r in two], [r["seconds"] for r in two], "s", label="-j 2")
    a.set(xscale="log", yscale="log", xlabel="files (seed copies)", ylabel="seconds", title="retrans check DIR")
    a.legend()
    b.plot([r["mb"] for r in sizes], [r["seconds"] for r in sizes], "o-")
    b.set(xlabel="file size (MB)", ylabel="seconds", title="one large file")
    fig.tight_layout()
    fig.savefig(OUT / "scaling.png", dpi=100)


if __name__ == "__main__":
    main()
