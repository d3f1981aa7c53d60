#!/usr/bin/env python3
"""Follow latency of pktt run: a record appended to a file pktt follows, to its event line.

    follow_latency.py PKTT CAPTURE [--records N] [--poll]

Appends the records of CAPTURE (pcap) one at a time to a new file that `pktt run --follow`
watches (inotify, or --poll), with a rule that fires on every packet, and times each record from
the write that completes it to the moment its event line is read from pktt's standard output.
Prints p50, p90, p99 and max in milliseconds.
"""
import os, select, struct, subprocess, sys, tempfile, time

def records(path):
    data = open(path, 'rb').read()
    if data[:4] not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        # pcapng (or anything else editcap reads): records are appended as pcap
        converted = tempfile.mktemp(suffix='.pcap')
        subprocess.run(['editcap', '-F', 'pcap', path, converted], check=True)
        data = open(converted, 'rb').read()
        os.remove(converted)
    order = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    header, off, out = data[:24], 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(order + 'I', data[off + 8:off + 12])[0]
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
    return header, out

def main():
    args = sys.argv[1:]
    pktt, capture = args[0], args[1]
    n = int(args[args.index('--records') + 1]) if '--records' in args else 2000
    poll = '--poll' in args
    header, recs = records(capture)
    recs = recs[:n]
    folder = tempfile.mkdtemp(prefix='pktt-latency-')
    path = os.path.join(folder, 'live.pcap')
    with open(path, 'wb') as f:
        f.write(header)
    rules = os.path.join(folder, 'rules.yaml')
    with open(rules, 'w') as f:
        f.write('rules:\n  - {name: every, on: packet, match: "record.index >= 0"}\n')
    cmd = [pktt, 'run', '--follow', path, '--rules', rules, '--stats-interval', '0', '--workers', '1']
    if poll:
        cmd.append('--poll')
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.fileno()
    os.set_blocking(out, False)
    pending = b''
    def wait_for(index, deadline):
        nonlocal pending
        marker = b'"index":%d,' % index
        while True:
            if marker in pending:
                pending = pending[pending.index(marker):]
                pending = pending[pending.find(b'\n') + 1:] if b'\n' in pending else b''
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([out], [], [], left)
            if r:
                chunk = os.read(out, 1 << 16)
                if not chunk:
                    return False
                pending += chunk
    # wait until pktt has started (its start event)
    deadline = time.monotonic() + 10
    while b'"start"' not in pending and time.monotonic() < deadline:
        r, _, _ = select.select([out], [], [], 0.1)
        if r:
            pending += os.read(out, 1 << 16)
    time.sleep(0.2)
    latencies = []
    with open(path, 'ab', buffering=0) as f:
        for i, rec in enumerate(recs):
            f.write(rec)
            t0 = time.monotonic()
            if not wait_for(i, t0 + 5):
                print(f"follow latency: no event for record {i} within 5 s; last output: {pending[-300:]!r}", file=sys.stderr)
                break
            latencies.append((time.monotonic() - t0) * 1000)
            time.sleep(0.002)
    proc.terminate()
    # read to the end: pktt writes its last lines as it stops, and waits while its pipe is full
    while os.read(out, 1 << 16) if select.select([out], [], [], 5)[0] else b'':
        pass
    proc.wait()
    os.remove(path)
    os.remove(rules)
    os.rmdir(folder)
    if not latencies:
        sys.exit(1)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f'{len(latencies)} {pick(0.5):.2f} {pick(0.9):.2f} {pick(0.99):.2f} {latencies[-1]:.2f}')

main()
