#!/usr/bin/python3
"""The PyTorch side of the MLP benchmark: one epoch of the quickstart model on Fashion-MNIST.

Same work as `trainstudio-cli run resources/pipelines/quickstart.json`: MLP 784-256-128-10 with
ReLU, inputs scaled to [0, 1], SGD lr 0.05 momentum 0.9, shuffled mini-batches, one epoch, then
test accuracy. Data is preloaded into tensors (PyTorch's fastest path; no DataLoader workers).
Thread settings come from the caller: torch.set_num_threads(--threads) and OPENBLAS_NUM_THREADS in
the environment (Debian's torch sends Linear layers to OpenBLAS).
Prints one JSON object: samples_per_second (training steps only), test_accuracy, seconds.
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz").reshape(-1, 784)
                               .astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz").reshape(-1, 784)
                              .astype(np.float32) / 255.0)
    y_test = torch.from_numpy(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    start = time.perf_counter()
    order = torch.randperm(x_train.shape[0])
    for first in range(0, x_train.shape[0], args.batch):
        idx = order[first:first + args.batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start

    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(json.dumps({"samples_per_second": x_train.shape[0] / seconds,
                      "test_accuracy": accuracy, "seconds": seconds}))


if __name__ == "__main__":
    main()
