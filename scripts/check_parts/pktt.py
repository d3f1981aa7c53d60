"""Running pktt on captures and reading its JSON lines."""
import subprocess
import tempfile

TIMEOUT = 900                             # seconds for pktt on one file; a hang is a failure


class PkttShow:
    """`pktt show --json` on paths: iterate for its output lines (streamed: the big nfstrace
    files have 116k frames); afterwards status is its exit status ("timeout" when it had to
    be killed) and err its stderr."""

    def __init__(self, pktt, paths):
        self.command = [pktt, "show", "--json", "--progress", "never", *paths]
        self.status, self.err = None, ""

    def __iter__(self):
        with tempfile.TemporaryFile(mode="w+") as errf:
            proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=errf, text=True)
            yield from proc.stdout
            try:
                self.status = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                self.status = "timeout"
            errf.seek(0)
            self.err = errf.read().strip()


def conv_of_packet(obj):
    """The connection of a pktt JSON packet, either direction, as truth.conv_of gives it."""
    ip = obj.get("ip") or {}
    l4 = obj.get("tcp") or obj.get("udp") or {}
    return tuple(sorted([(ip.get("src", ""), str(l4.get("src_port", ""))),
                         (ip.get("dst", ""), str(l4.get("dst_port", "")))]))


def note_exit(f, status, err):
    """A crash, a hang or a failing exit of pktt, on the file's notes (a crash fails it)."""
    if status == "timeout" or (isinstance(status, int) and status < 0):
        f.crashed = True
        f.notes.append(f"pktt {'timed out' if status == 'timeout' else f'killed by signal {-status}'}")
    elif status != 0:
        f.notes.append(f"pktt exit {status}: {err.splitlines()[0] if err else ''}")
