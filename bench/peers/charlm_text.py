"""W8's data for the Python peer, mirroring bench/lib/charlm_text.mjs: the shipped Moby Dick text
(checked against its SHA-256), encoded over the case's alphabet, cut into non-overlapping windows
of `seq` characters (targets shifted by one), and each epoch's batch order (the same seeded
permutation as the Node runner's), so both train on the same batches in the same order."""
import gzip
import hashlib
import os

from pyrunner import seeded_permutation

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_text(file, sha256):
    with open(os.path.join(ROOT, file), "rb") as f:
        gz = f.read()
    actual = hashlib.sha256(gz).hexdigest()
    if actual != sha256:
        raise ValueError(f"{file}: SHA-256 {actual}, expected {sha256}")
    return gzip.decompress(gz).decode("utf8")


def encode(np, text, alphabet):
    """int64 ids over `alphabet` (the case's, so both runners agree on every id)."""
    index = {ch: i for i, ch in enumerate(alphabet)}
    missing = set(text) - index.keys()
    if missing:
        raise ValueError(f"characters {sorted(missing)!r} are not in the case's alphabet")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def windows(ids, start, count, seq):
    """x [count, seq] = ids[s .. s+seq), y = ids[s+1 .. s+seq+1) for s = start, start+seq, ..."""
    x = ids[start:start + count * seq].reshape(count, seq)
    y = ids[start + 1:start + 1 + count * seq].reshape(count, seq)
    return x, y


def epoch_order(np, c, epoch):
    return seeded_permutation(np, c["trainWindows"], c["orderSeed"] + epoch)
