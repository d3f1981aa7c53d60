"""The captures the checks read and the tshark truth of each: the lab's (one file each, the
rotated ring file by file and merged, the big capture) and the corpus's."""
import bz2
import lzma
import os
import re
import shutil
import struct

from .places import LAB_BIG

CAPTURE_NAME = re.compile(r"\.(pcap|pcapng|cap|snoop|pcap\d+)$", re.IGNORECASE)


def find_lab(lab, big=LAB_BIG):
    """(name, [capture paths], truth path, frame offsets or None) for the lab captures."""
    out = []
    for name in sorted(os.listdir(lab)):
        path = os.path.join(lab, name)
        if CAPTURE_NAME.search(name):
            out.append((f"lab/{name}", [path], re.sub(r"\.[^.]+$", ".truth.tsv", path), None))
    rot = os.path.join(lab, "rot")
    if os.path.isdir(rot):
        parts = sorted((n for n in os.listdir(rot) if re.fullmatch(r"rot\.pcap\d+", n)),
                       key=lambda n: int(n[len("rot.pcap"):]))
        paths = [os.path.join(rot, n) for n in parts]
        for path in paths:
            out.append((f"lab/rot/{os.path.basename(path)}", [path], path + ".truth.tsv", None))
        # The four files given together: pktt merges them (in time order, which for a ring of
        # rotated files is the file order) and should now see records straddling a boundary.
        # The truth numbers frames across files (mergecap -a): renumber pktt's frames to match.
        if paths:
            offsets, total = {}, 0
            for path in paths:
                offsets[path] = total
                total += count_pcap_records(path)
            out.append(("lab/rot/ (4 files merged)", paths, os.path.join(rot, "rot.all.truth.tsv"),
                        offsets))
    if big and os.path.exists(big):
        out.append((f"lab/{os.path.basename(big)}", [big], re.sub(r"\.pcap$", ".truth.tsv", big), None))
    return out


def count_pcap_records(path):
    """Records in a classic pcap file (rotated tcpdump files are classic pcap)."""
    with open(path, "rb") as f:
        magic = f.read(24)[:4]
        order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        n = 0
        while True:
            head = f.read(16)
            if len(head) < 16:
                return n
            f.seek(struct.unpack(order + "IIII", head)[2], 1)
            n += 1


def find_corpus(corpus):
    """(relative name, [path], truth path or None, None) for every capture of the corpus."""
    out = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames[:] = sorted(d for d in dirnames if d not in ("truth", "references"))
        for name in sorted(filenames):
            if not CAPTURE_NAME.search(re.sub(r"\.(gz|bz2|xz)$", "", name)):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, corpus)
            base = os.path.join(corpus, "truth", rel)
            # A decode-as truth, where there is one, is tshark told what the flow really is
            # (nfs-write-verf-cookie: NFS from client port 993, which tshark otherwise takes for
            # TLS): that is the reading to match.
            variants = sorted(glob_prefix(base + ".decode-as-"))
            truth = next((v for v in variants if v.endswith((".tsv", ".tsv.xz"))), None)
            truth = truth or next((t for t in (base + ".tsv", base + ".tsv.xz")
                                   if os.path.exists(t)), None)
            out.append((rel, [path], truth, None))
    return out


def glob_prefix(prefix):
    d, stem = os.path.split(prefix)
    return [os.path.join(d, n) for n in os.listdir(d) if n.startswith(stem)] if os.path.isdir(d) else []


def readable_copy(path, tmpdir):
    """tshark 4.0 (and so the truths) cannot read .bz2 or .xz: those are decompressed into
    tmpdir first, for pktt and tshark alike. Both read .gz themselves."""
    for suffix, opener in ((".bz2", bz2.open), (".xz", lzma.open)):
        if path.endswith(suffix):
            out = os.path.join(tmpdir, os.path.basename(path)[: -len(suffix)])
            with opener(path, "rb") as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            return out
    return path
