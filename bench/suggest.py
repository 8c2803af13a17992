"""Benchmark of the triage suggestions (domain.suggest) on the hand-labelled set.

    .venv/bin/python bench/suggest.py [--data bench/data/suggest_labelled.yaml] [--seconds 3] [--misses]

Prints top-1 accuracy of the topic group (target >= 0.80), of the location (target >= 0.90; an item
labelled with no location is right when none is suggested), of the topic (no target), the confusion of
the misses (label -> suggestion: count), the P14 marks' precision and recall per mark, and the speed in
texts/s (one core; "cold" clears the word caches before every round, "warm" does not). Exit code 1 if a
target is missed.

Two sets: ``suggest_labelled.yaml`` (246 items, written before the keyword lists, which were then
adjusted against its misses in a few general ways) and ``suggest_heldout.yaml`` (62 items, written after
the lists were frozen) — the held-out figures are the honest ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain import lemmas
from domain.suggest import load_lexicon, screen_candidate

DATA = Path(__file__).resolve().parent / "data" / "suggest_labelled.yaml"
TARGETS = {"group": 0.80, "location": 0.90}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--misses", action="store_true", help="print every missed item")
    args = ap.parse_args()
    items = yaml.safe_load(args.data.read_text(encoding="utf-8"))["items"]

    t0 = time.perf_counter()
    load_lexicon()
    print(f"lexicon and analyzer loaded in {time.perf_counter() - t0:.2f} s")

    right: Counter[str] = Counter()
    confusion: dict[str, Counter[tuple[str, str]]] = {"group": Counter(), "location": Counter()}
    marks_tp: Counter[str] = Counter()
    marks_fp: Counter[str] = Counter()
    marks_fn: Counter[str] = Counter()
    for item in items:
        s = screen_candidate(item["text"])
        got = {"group": s.topic_group, "topic": s.topic, "location": s.location}
        for key in ("group", "topic", "location"):
            if got[key] == item.get(key):
                right[key] += 1
            elif key in confusion:
                confusion[key][(str(item.get(key)), str(got[key]))] += 1
                if args.misses:
                    print(f"  miss {key}: {item.get(key)} -> {got[key]}: {item['text'][:90]!r}")
        want = set(item.get("marks") or [])
        for m in want | set(s.marks):
            if m in want and m in s.marks:
                marks_tp[m] += 1
            elif m in s.marks:
                marks_fp[m] += 1
                if args.misses:
                    print(f"  false mark {m}: {item['text'][:90]!r} ({s.mark_words})")
            else:
                marks_fn[m] += 1
                if args.misses:
                    print(f"  missed mark {m}: {item['text'][:90]!r}")

    n = len(items)
    failed = False
    print(f"items: {n}")
    for key in ("group", "topic", "location"):
        acc = right[key] / n
        target = TARGETS.get(key)
        verdict = "" if target is None else (" ok" if acc >= target else " MISSED") + f" (target {target:.2f})"
        failed |= target is not None and acc < target
        print(f"top-1 accuracy {key:8}: {acc:.3f}  ({right[key]}/{n}){verdict}")
    for key, conf in confusion.items():
        print(f"confusion of {key} misses (label -> suggested: count):")
        for (want_code, got_code), count in conf.most_common():
            print(f"  {want_code} -> {got_code}: {count}")
    print("P14 marks:")
    for m in sorted(set(marks_tp) | set(marks_fp) | set(marks_fn)):
        tp, fp, fn = marks_tp[m], marks_fp[m], marks_fn[m]
        print(f"  {m:8} precision {tp / max(1, tp + fp):.2f} recall {tp / max(1, tp + fn):.2f} "
              f"(tp {tp}, fp {fp}, fn {fn})")

    # Speed: every round clears the word caches, so the figure is for unseen words, not memoised ones.
    texts = [i["text"] for i in items]
    done, spent = 0, 0.0
    while spent < args.seconds:
        lemmas.parses.cache_clear()
        lemmas.forms.cache_clear()
        t0 = time.perf_counter()
        for t in texts:
            screen_candidate(t)
        spent += time.perf_counter() - t0
        done += len(texts)
    cold = done / spent
    t0 = time.perf_counter()
    for t in texts * 4:
        screen_candidate(t)
    warm = 4 * len(texts) / (time.perf_counter() - t0)
    print(f"speed: {cold:,.0f} texts/s with cold word caches, {warm:,.0f} texts/s warm")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
