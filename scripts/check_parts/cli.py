"""The command line both checks take, and the list of files it selects."""
import argparse
import os
import sys

from .captures import find_corpus, find_lab
from .places import CORPUS, LAB, ROOT, TRUTH_SH


def arguments(tool, doc, verbose_help, min_help):
    ap = argparse.ArgumentParser(prog=tool, description=doc.splitlines()[0])
    ap.add_argument("--pktt", default=os.path.join(ROOT, ".build/release/pktt"),
                    help="pktt binary (default: .build/release/pktt)")
    ap.add_argument("--only", metavar="SUBSTR", help="check only files whose name contains this")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--lab-only", action="store_true", help=f"only the lab captures ({LAB})")
    which.add_argument("--corpus-only", action="store_true", help=f"only the corpus ({CORPUS})")
    ap.add_argument("--verbose", action="store_true", help=verbose_help)
    ap.add_argument("--min", type=float, default=99.5, metavar="PCT", help=min_help)
    ap.add_argument("--corpus", default=CORPUS,
                    help=f"corpus folder (default $PKTT_CORPUS or ../shared/corpus: {CORPUS})")
    ap.add_argument("--lab", default=LAB,
                    help=f"lab captures folder (default $NFSLAB_OUT or the lab script's: {LAB})")
    args = ap.parse_args()
    if not os.access(args.pktt, os.X_OK):
        sys.exit(f"{tool}: no pktt at {args.pktt} "
                 "(build it: swift build -c release --product pktt, or pass --pktt PATH)")
    return args


def jobs(args, tool):
    """([(group, name, paths, truth, offsets)], [why something was skipped]); exits when
    nothing is left to check."""
    jobs, skipped = [], []
    if not args.corpus_only:
        if args.lab and os.path.isdir(args.lab):
            jobs += [("lab", *j) for j in find_lab(args.lab)]
        else:
            skipped.append(f"no lab captures in {args.lab} (../shared/lab/make-captures.sh)")
    if not args.lab_only:
        jobs += [("corpus", *j) for j in find_corpus(args.corpus)]
    jobs = [j for j in jobs if args.only is None or args.only in j[1]]
    for j in list(jobs):
        if not j[3] or not os.path.exists(j[3]):
            skipped.append(f"{j[1]}: no truth ({j[3] or 'none'})"
                           + (f"; make it with {TRUTH_SH} {j[2][0]}" if j[0] == "lab" else ""))
            jobs.remove(j)
    if not jobs:
        sys.exit(f"{tool}: nothing to check" + "".join(f"\n  {s}" for s in skipped))
    return jobs, skipped
