"""Time ``studios.assessment.assess`` over 5,000 studios with random item scores.

Run from the project root:  .venv/bin/python -m bench.assessment
Aim: under 2 s (best of 3). About 5% of studios have no report, as in a real year.
"""

import random
import time
from decimal import Decimal

from studios.assessment import AssessmentEntry, assess
from studios.rubrics import load_rubric

STUDIOS = 5_000
ROUNDS = 3
AIM_SECONDS = 2.0
SHARE_WITHOUT_REPORT = 0.05


def random_entries(count: int, seed: int = 2024) -> list[AssessmentEntry]:
    rubric = load_rubric("master_studio")
    rng = random.Random(seed)  # fixed seed: every run times the same input
    entries = []
    for studio_id in range(1, count + 1):
        scores = None
        if rng.random() >= SHARE_WITHOUT_REPORT:
            scores = {item.key: Decimal(rng.randint(item.max * 4, item.max * 10)) / 10 for item in rubric.items}
        entries.append(AssessmentEntry(studio_id, f"工作室{studio_id}", scores))
    return entries


def main() -> None:
    rubric = load_rubric("master_studio")
    entries = random_entries(STUDIOS)
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        outcome = assess(entries, rubric=rubric, reward_amount=50_000, reward_cap=50_000)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    print(
        f"assess: {STUDIOS} studios, best of {ROUNDS}: {best:.3f} s (aim < {AIM_SECONDS:.0f} s) — "
        f"{'OK' if best < AIM_SECONDS else 'TOO SLOW'}; "
        f"{outcome.excellent_count()} excellent of cap {outcome.excellent_cap}, {len(outcome.ties_at_cap)} tied at the cap"
    )


if __name__ == "__main__":
    main()
