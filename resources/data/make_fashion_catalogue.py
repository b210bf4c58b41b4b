#!/usr/bin/python3
"""Writes resources/data/fashion-catalogue.csv: a small mixed-type table made from Fashion-MNIST
(Debian's dataset-fashion-mnist) for the typed-table and PostgreSQL example pipelines. Each row is
one of training images 3,000..5,999, described the way a shop's catalogue might hold it:

  listed     a timestamp (the rows are listed 2 hours apart from 2024-01-01), for a time split
  shade      text: dark, medium or light (the mean ink), one-hot encoded by the examples
  outline    text: wide, square or tall (the ink's bounding box), an ordinal category
  width_px, height_px   the bounding box of the ink, in pixels
  ink_px     the number of ink pixels (skewed: the examples take its log)
  top, bottom, left, right, centre   the mean ink of those parts of the image
  label      the class name (T-shirt/top, Trouser, ...), text labels

A few values are missing on purpose (every 89th row has no 'shade', every 101st no 'ink_px') so
the examples show imputation and encoding of missing values.

usage: resources/data/make_fashion_catalogue.py   (deterministic: the same file every time)
"""
import datetime
import gzip
import pathlib

DATA = "/usr/share/datasets/fashion-mnist"
FIRST, ROWS = 3000, 3000
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return raw[4 + 4 * ndim:], dims


def mean(image, rows, cols):
    return sum(image[y * 28 + x] for y in rows for x in cols) / (len(rows) * len(cols) * 255)


def describe(image):
    ink = [(y, x) for y in range(28) for x in range(28) if image[y * 28 + x] > 32]
    ys = [y for y, _ in ink] or [0]
    xs = [x for _, x in ink] or [0]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    level = mean(image, range(28), range(28))
    shade = "dark" if level < 0.2 else "medium" if level < 0.35 else "light"
    outline = "wide" if width > height * 1.15 else "tall" if height > width * 1.15 else "square"
    parts = [mean(image, range(14), range(28)), mean(image, range(14, 28), range(28)),
             mean(image, range(28), range(14)), mean(image, range(28), range(14, 28)),
             mean(image, range(7, 21), range(7, 21))]
    return shade, outline, width, height, len(ink), parts


def main():
    pixels, dims = read_idx(f"{DATA}/train-images-idx3-ubyte.gz")
    labels, _ = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz")
    size = dims[1] * dims[2]
    start = datetime.datetime(2024, 1, 1)
    out = pathlib.Path(__file__).with_name("fashion-catalogue.csv")
    with open(out, "w") as f:
        f.write("listed,shade,outline,width_px,height_px,ink_px,top,bottom,left,right,centre,"
                "label\n")
        for n in range(ROWS):
            i = FIRST + n
            shade, outline, width, height, ink, parts = describe(pixels[i * size:(i + 1) * size])
            listed = (start + datetime.timedelta(hours=2 * n)).strftime("%Y-%m-%d %H:%M:%S")
            shade_text = "" if n % 89 == 7 else shade
            ink_text = "" if n % 101 == 11 else str(ink)
            label = CLASSES[labels[i]]
            label_text = f'"{label}"' if "/" in label else label
            f.write(f"{listed},{shade_text},{outline},{width},{height},{ink_text},"
                    + ",".join(f"{p:.4f}" for p in parts) + f",{label_text}\n")


if __name__ == "__main__":
    main()
