"""Export scikit-learn's bundled digits (8x8 images, 10 classes) as the demo's .npy files.

The data ships inside scikit-learn, so nothing is downloaded. Pixels are scaled from 0..16 to
[0, 1]; the split is stratified and seeded, so rerunning gives the same files.

Usage: .venv/bin/python scripts/make_demo_data.py [OUT_DIR]   (default examples/demo/data)
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 0
TEST_FRACTION = 0.2


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "examples" / "demo" / "data"
    out.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int32)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=TEST_FRACTION, random_state=SEED, stratify=labels
    )
    for name, array in {
        "train_x": train_x,
        "train_y": train_y,
        "test_x": test_x,
        "test_y": test_y,
    }.items():
        np.save(out / f"{name}.npy", np.ascontiguousarray(array))
        print(f"{out / name}.npy: {array.dtype} {array.shape}")


if __name__ == "__main__":
    main()
