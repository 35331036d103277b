"""Synthetic persons generated per second with their per-system copies, and memory per million.

    python bench/bench_population.py [--people 50000] [--memory-people 20000] [--seed 7]

Generation: ``generate(people, seed)`` consumed to the end, every person with its EHR, CRM and
portal records (duplicates included); the Faker pools are built once per seed before the clock
starts (their one-off cost is printed apart). Baseline, measured in the same run: building the
same number of bare tuples of the same widths (one 27-field person and its records of 19
fields): the floor of any Python generator of these objects. Target: >= 10,000 persons/s.

Memory, measured with tracemalloc (Python allocations only, not RSS): the traced size of
``--memory-people`` entries held in a list, divided by that number and multiplied by a million
(a linear extrapolation); and the peak while streaming the same number without holding them,
which stays flat as the population grows.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

from simulators.population import generate
from simulators.population.pools import pools_for


def _generation(people: int, seed: int, repeat: int) -> tuple[float, int]:
    best, records = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        records = sum(len(e.records) for e in generate(people, seed))
        best = min(best, time.perf_counter() - start)
    return best, records


def _baseline(people: int, records: int, repeat: int) -> float:
    per_person = records / people
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        owed = 0.0
        for i in range(people):
            person = (
                i,
                "g",
                "f",
                "g",
                "f",
                None,
                None,
                None,
                i,
                "s",
                "p",
                "e",
                "a",
                None,
                "l",
                "ssn",
                "stage",
                "c",
                None,
                None,
                False,
                False,
                None,
                None,
                None,
                i,
                i,
            )
            owed += per_person
            copies = []
            while owed >= 1:
                copies.append(
                    (
                        person,
                        "id",
                        "g",
                        "f",
                        None,
                        "d",
                        "s",
                        "p",
                        "e",
                        "a",
                        "l",
                        None,
                        None,
                        None,
                        None,
                        None,
                        False,
                        (),
                        i,
                    )
                )
                owed -= 1
            _ = (person, tuple(copies))
        best = min(best, time.perf_counter() - start)
    return best


def _memory(people: int, seed: int) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    held = list(generate(people, seed))
    held_bytes = tracemalloc.get_traced_memory()[0] - base
    del held
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    for _ in generate(people, seed):
        pass
    streaming_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return held_bytes, streaming_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--memory-people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    pools_for(args.seed)
    pools = time.perf_counter() - start
    seconds, records = _generation(args.people, args.seed, args.repeat)
    floor = _baseline(args.people, records, args.repeat)
    held, peak = _memory(args.memory_people, args.seed)

    rate, floor_rate = args.people / seconds, args.people / floor
    print(f"pools (Faker, once per seed)     {pools:8.2f} s")
    print(
        f"persons generated                {args.people:8,d}  ({records:,} system records, "
        f"{records / args.people:.2f} per person)"
    )
    print(f"generation                       {rate:8,.0f} persons/s   (best of {args.repeat})")
    print(f"baseline: bare tuples            {floor_rate:8,.0f} persons/s")
    print(
        f"ratio generation / baseline      {floor / seconds:8.3f}  "
        f"(generation is {seconds / floor:.1f}x the bare-tuple floor)"
    )
    print(f"target >= 10,000 persons/s       {'met' if rate >= 10_000 else 'NOT met'}")
    per_person = held / args.memory_people
    print(
        f"memory held (tracemalloc)        {per_person:8,.0f} B/person -> "
        f"{per_person * 1e6 / 2**30:.2f} GiB per million (linear from "
        f"{args.memory_people:,} persons held in a list)"
    )
    print(
        f"memory streaming (tracemalloc)   {peak / 2**20:8.2f} MiB peak for "
        f"{args.memory_people:,} persons not held (flat in N)"
    )


if __name__ == "__main__":
    main()
