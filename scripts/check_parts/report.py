"""What a check counts per file and how it prints it."""
import collections

CORPUS_FILE_MINIMUM = 50   # corpus files with fewer messages: only the corpus total counts
SAMPLES = 8                # examples kept per kind of difference (all shown with --verbose)


class Tally:
    """One file's differences: how many of each kind, the first SAMPLES of each, notes."""

    def __init__(self):
        self.samples = collections.defaultdict(list)   # kind -> lines
        self.counts = collections.Counter()            # kind -> number (samples are capped)
        self.notes = []
        self.crashed = False

    def note(self, kind, text):
        self.counts[kind] += 1
        if len(self.samples[kind]) < SAMPLES:
            self.samples[kind].append(text)

    @staticmethod
    def pct(ok, n):
        return 100.0 * ok / n if n else None


def fmt_pct(v):
    return "-" if v is None else f"{v:.2f}" if v < 100 else "100"
