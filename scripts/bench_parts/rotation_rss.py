#!/usr/bin/env python3
"""pktt run's memory while it follows a long tcpdump -C rotation set.

    rotation_rss.py PKTT CAPTURE RULES [--gigabytes G]

Writes copies of CAPTURE as a -C set (cap, cap1, cap2, ...; about G GB in all, default 2) while
`pktt run --follow` reads it with the RULES file (events to /dev/null), staying at most two
files ahead of pktt and removing the files it has finished. Samples pktt's resident memory
(VmRSS) four times a second, and prints the largest value seen during the first tenth of the
input and during the last tenth, in MiB, and the number of files.
"""
import os, shutil, subprocess, sys, tempfile, threading, time

def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0

def current_file(pid, folder):
    """The index of the set's file pktt has open (-1 when none)."""
    best = -1
    try:
        for fd in os.listdir(f'/proc/{pid}/fd'):
            try:
                target = os.readlink(f'/proc/{pid}/fd/{fd}')
            except OSError:
                continue
            if target.startswith(folder + '/cap'):
                suffix = target[len(folder) + 4:]
                if suffix == '' or suffix.isdigit():
                    best = max(best, int(suffix or 0))
    except OSError:
        pass
    return best

def main():
    pktt, capture, rules = sys.argv[1:4]
    gigabytes = float(sys.argv[sys.argv.index('--gigabytes') + 1]) if '--gigabytes' in sys.argv else 2.0
    size = os.path.getsize(capture)
    count = max(10, int(gigabytes * 1e9 / size + 0.999))
    folder = tempfile.mkdtemp(prefix='pktt-rss-')
    name = lambda k: os.path.join(folder, 'cap' + (str(k) if k else ''))
    def put(k):
        shutil.copyfile(capture, name(k) + '.tmp')
        os.rename(name(k) + '.tmp', name(k))
    put(0)
    proc = subprocess.Popen([pktt, 'run', '--follow', name(0), '--rules', rules, '--stats-interval', '0',
                             '--output', os.environ.get('PKTT_RSS_OUTPUT', '/dev/null')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    done = threading.Event()
    def sample():
        while not done.is_set():
            samples.append((current_file(proc.pid, folder), rss_kib(proc.pid)))
            time.sleep(0.25)
    sampler = threading.Thread(target=sample)
    sampler.start()
    for k in range(1, count):
        # at most two files ahead of pktt; the ones it has finished go
        while current_file(proc.pid, folder) < k - 2:
            time.sleep(0.05)
        put(k)
        for old in range(0, max(0, current_file(proc.pid, folder) - 1)):
            if os.path.exists(name(old)):
                os.remove(name(old))
    # the last file is read once pktt is on it and stays there
    while current_file(proc.pid, folder) < count - 1:
        time.sleep(0.05)
    time.sleep(2)
    done.set()
    sampler.join()
    proc.terminate()
    proc.wait()
    shutil.rmtree(folder)
    tenth = max(1, count // 10)
    first = max((r for f, r in samples if 0 <= f < tenth), default=0)
    last = max((r for f, r in samples if f >= count - tenth), default=0)
    print(f'{count} {size * count / 1e9:.2f} {first / 1024:.1f} {last / 1024:.1f}')

main()
