#!/usr/bin/python3
"""Writes resources/data/fashion-features.csv: a small table made from Fashion-MNIST (Debian's
dataset-fashion-mnist) for the tabular example pipeline. Each row is one of the first 3,000
training images summarised as 16 features (the mean ink of each 7x7 block of the 28x28 image),
plus the fraction of ink pixels and the class label. A few values are blanked on purpose (every
97th row loses its 'ink' value) so the example shows imputation at work.

usage: resources/data/make_fashion_features.py   (deterministic: the same file every time)
"""
import gzip
import pathlib

DATA = "/usr/share/datasets/fashion-mnist"
ROWS = 3000


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return raw[4 + 4 * ndim:], dims


def main():
    pixels, dims = read_idx(f"{DATA}/train-images-idx3-ubyte.gz")
    labels, _ = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz")
    size = dims[1] * dims[2]
    out = pathlib.Path(__file__).with_name("fashion-features.csv")
    with open(out, "w") as f:
        f.write(",".join(f"block{r}{c}" for r in range(4) for c in range(4)) + ",ink,label\n")
        for n in range(ROWS):
            image = pixels[n * size:(n + 1) * size]
            blocks = []
            for br in range(4):
                for bc in range(4):
                    total = sum(image[(br * 7 + y) * 28 + bc * 7 + x]
                                for y in range(7) for x in range(7))
                    blocks.append(f"{total / 49 / 255:.4f}")
            ink = sum(1 for p in image if p > 32) / size
            ink_text = "" if n % 97 == 13 else f"{ink:.4f}"
            f.write(",".join(blocks) + f",{ink_text},{labels[n]}\n")


if __name__ == "__main__":
    main()
