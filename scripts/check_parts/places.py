"""Where things are, from arguments, environment variables or the repository's place: never a
path of one machine. The shared folder sits beside the repository (../shared, as on every
machine of this project); the capture lab writes where its own script says."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("PKTT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
CORPUS = os.environ.get("PKTT_CORPUS", os.path.join(SHARED, "corpus"))
LAB_SCRIPT = os.path.join(SHARED, "lab", "make-captures.sh")
TRUTH_SH = os.path.join(SHARED, "lab", "truth.sh")


def lab_setting(variable):
    """A place of the capture lab: the environment variable the lab reads (NFSLAB_OUT,
    NFSLAB_BIG), else the lab script's own default (`NAME=${VARIABLE:-default}`), so that the
    default lives in one place; None when neither says."""
    if os.environ.get(variable):
        return os.environ[variable]
    try:
        with open(LAB_SCRIPT) as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r"^\w+=\$\{" + re.escape(variable) + r":-([^}]+)\}", text, re.MULTILINE)
    return m.group(1) if m else None


LAB = lab_setting("NFSLAB_OUT")          # the lab's captures and truth files
LAB_BIG = lab_setting("NFSLAB_BIG")      # its ~300,000-packet capture
