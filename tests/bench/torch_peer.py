#!/usr/bin/python3
"""The PyTorch side of the training benchmarks: the same model, data and optimizer as a
TrainStudio pipeline in resources/pipelines/, trained for the same epochs.

  mlp  quickstart.json:   MLP 784-256-128-10, SGD lr 0.05 momentum 0.9
  cnn  fashion-cnn.json:  conv5x5(32)-pool-conv5x5(64)-pool-fc128-fc10, Adam lr 1e-3

Inputs scaled to [0, 1], shuffled mini-batches, then test accuracy. Data is preloaded into
tensors (PyTorch's fastest path; no DataLoader workers). Threads come from the caller:
torch.set_num_threads(--threads) and OPENBLAS_NUM_THREADS in the environment (Debian's torch
sends Linear layers to OpenBLAS; convolutions go to oneDNN, which follows torch's threads).
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


def images(name):
    x = read_idx(f"{DATA}/{name}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy())


def labels(name):
    return torch.from_numpy(read_idx(f"{DATA}/{name}-labels-idx1-ubyte.gz").astype(np.int64))


def build(model):
    nn = torch.nn
    if model == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                            nn.ReLU(), nn.Linear(128, 10))
        return net, torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    net = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(64 * 4 * 4, 128), nn.ReLU(), nn.Linear(128, 10))
    return net, torch.optim.Adam(net.parameters(), lr=1e-3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = images("train"), labels("train")
    x_test, y_test = images("t10k"), labels("t10k")
    net, optimizer = build(args.model)
    loss_fn = torch.nn.CrossEntropyLoss()

    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(x_train.shape[0])
        for first in range(0, x_train.shape[0], args.batch):
            idx = order[first:first + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    net.eval()
    with torch.no_grad():
        correct = sum((net(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                      for i in range(0, x_test.shape[0], 1000))
    print(json.dumps({"samples_per_second": x_train.shape[0] * args.epochs / seconds,
                      "test_accuracy": correct / x_test.shape[0], "seconds": seconds}))


if __name__ == "__main__":
    main()
