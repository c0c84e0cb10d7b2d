"""Benchmark `audionews script` on a 10,000-word article against the 1 s target.

Builds a realistic scraped-text article (kicker, headline, standfirst, subheadings, paragraphs
with money, times, abbreviations and quotes, bulleted key points, a list, a notice, boilerplate),
then times, side by side in one run:
  - `audionews script --json FILE` in a subprocess (what users and tools run), median of N;
  - in-process `make_script` (parse + language + voice + plan), median of N.
Run: .venv/bin/python bench/script_speed.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audionews.config import Settings
from audionews.pipeline import make_script

TARGET_S = 1.0
WORDS = 10_000

#: Each section says them of another ward ({n}): a page that prints the same paragraph twice
#: is read once (assemble.py), and the benchmark must time a long article, not its first part.
PARAGRAPHS = [
    "The city council approved a $48.5 million budget for Ward {n} at 11:40 p.m. on Thursday "
    "after a five-hour debate, Mayor Ana Ruiz told Ward {n} residents. Dr. Priya Nair, the "
    "Ward {n} finance director, called it “tight but honest” — and warned that Ward {n} reserves "
    "would fall by 12% in 2025–2027.",
    "Residents of Ward {n} can read the plan at https://www.example.gov/budget or e-mail the "
    "Ward {n} office at budget.office@example.gov before 5 p.m. ET on Friday. Gov. Lee and "
    "Sen. Warren welcomed the Ward {n} vote; Rep. Ortiz of Ward {n} did not.",
    "“We will do everything we can for Ward {n},” said Mr. Okafor, who chairs the No. 2 "
    "committee on St. Mary's Road in Ward {n}. The U.S. Department of Transportation has pledged "
    "$2.5 million a year to Ward {n} and to the roads around Ward {n}.",
    "Head teachers in Ward {n} welcomed the plan but warned that some older Ward {n} school "
    "kitchens would need new equipment before September, e.g. ovens and dishwashers... The "
    "council said it would look at the Ward {n} list, and Ward {n} parents would be told.",
]
ITEMS = [
    "• Bus passes stay at $2 a day.",
    "• Library hours are cut by 10%.",
    "• No. 7 fire station stays open.",
]


def build_article(words: int = WORDS) -> str:
    """Return a scraped-text article of about `words` words."""
    parts = [
        "CITY HALL",
        "Council passes budget after late-night vote",
        "Parking fees rise 15% as the city closes a $12 million gap",
    ]
    count = 0
    section = 0
    while count < words:
        section += 1
        parts.append(f"Section {section} of the budget debate")
        for template in PARAGRAPHS:
            paragraph = template.format(n=section)
            parts.append(paragraph)
            count += len(paragraph.split())
        if section % 3 == 0:
            parts.append("📌 Key points:")
            parts.extend(f"  {item}" for item in ITEMS)
            count += sum(len(i.split()) for i in ITEMS)
    parts += [
        "Correction: An earlier version of this story misstated the vote count.",
        "Share this article",
        "© 2025 City Herald. All rights reserved.",
    ]
    return "\n\n".join(parts) + "\n"


def median_seconds(run, times: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(runs: int = 5) -> None:
    text = build_article()
    exe = Path(sys.executable).with_name("audionews")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long-article.txt"
        path.write_text(text, encoding="utf-8")
        data = path.read_bytes()
        settings = Settings()
        script = make_script(data, settings, filename=path.name)  # warm caches once
        sentences = len(script.sentences())

        def cli() -> None:
            subprocess.run([str(exe), "script", "--json", str(path)], check=True,
                           capture_output=True)  # fmt: skip

        def in_process() -> None:
            make_script(data, settings, filename=path.name)

        cli_s = median_seconds(cli, runs)
        lib_s = median_seconds(in_process, runs)
    print(f"article: {len(text.split())} words, {len(script.chapters)} chapters, "
          f"{sentences} sentences; median of {runs} runs")  # fmt: skip
    print(f"audionews script --json (subprocess): {cli_s:.3f} s  = {cli_s / TARGET_S:.2f} x target")
    print(f"make_script (in-process):             {lib_s:.3f} s  = {lib_s / TARGET_S:.2f} x target")
    print(f"target: < {TARGET_S:.1f} s  -> {'OK' if cli_s < TARGET_S else 'TOO SLOW'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
