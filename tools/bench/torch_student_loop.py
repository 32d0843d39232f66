#!/usr/bin/env python3
"""The trainer's raw step in plain PyTorch, for `distill bench` (section trainer).

Same work as the DJL loop it is compared with (StudentLearner.step): an MLP on raw pixels 0..255
scaled by 1/255 first, batches of `--rows` rows of which `--fresh` are counted (the rest stand for
the replayed rows), the distillation loss
    mean_i [alpha * T_i^2 * CE(q_i, softmax(s_i / T_i)) + (1 - alpha) * m_i * CE(y_i, softmax(s_i))],
Adam (betas 0.9/0.999, eps 1e-8), and per step the predictions and the three loss figures read back
to the host, as the trainer reads them. The batches are drawn once from a fixed generator, the same
shapes and value ranges as MNIST soft targets: what the values are does not change a step's cost.

Protocol (one long-lived process, so each trial is only the loop): prints `ready <torch version>
<intra-op> <inter-op>` after a warm-up, then for every line `<steps>` on stdin runs that many steps
and prints the fresh samples per second. Ends at end of input.
"""
import argparse
import sys
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", required=True, help="784-800-800-10")
    p.add_argument("--rows", type=int, required=True, help="rows per step (fresh + replayed)")
    p.add_argument("--fresh", type=int, required=True, help="fresh rows per step (counted)")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--temperature", type=float, default=20.0)
    p.add_argument("--warmup", type=int, default=100)
    a = p.parse_args()

    # the JVM's engine runs these thread counts: intra-op as configured, one inter-op
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    sizes = [int(s) for s in a.layers.split("-")]
    layers = []
    for i in range(len(sizes) - 2):
        layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(sizes[-2], sizes[-1]))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    d, c = sizes[0], sizes[-1]

    g = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(64):
        x = torch.randint(0, 256, (a.rows, d), generator=g).float()
        y = torch.randint(0, c, (a.rows,), generator=g)
        q = torch.full((a.rows, c), 0.01)
        q[torch.arange(a.rows), y] = 1 - 0.01 * (c - 1)
        t = torch.full((a.rows, 1), a.temperature)
        onehot = torch.nn.functional.one_hot(y, c).float()
        labelled = torch.ones(a.rows)
        batches.append((x, q, t, onehot, labelled))

    def step(b):
        x, q, t, onehot, labelled = b
        logits = net(x * (1.0 / 255.0))
        predictions = logits[: a.fresh].argmax(1).tolist()
        soft = -(q * torch.log_softmax(logits / t, 1)).sum(1) * t.reshape(-1).square()
        hard = -(onehot * torch.log_softmax(logits, 1)).sum(1) * labelled
        total = (soft * a.alpha + hard * (1 - a.alpha)).mean()
        loss = total.item()
        opt.zero_grad(set_to_none=False)
        total.backward()
        opt.step()
        return predictions, loss, soft.mean().item(), hard.mean().item()

    for i in range(a.warmup):
        step(batches[i % len(batches)])
    print("ready", torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(), flush=True)
    done = 0
    for line in sys.stdin:
        steps = int(line)
        start = time.perf_counter()
        for i in range(steps):
            step(batches[(done + i) % len(batches)])
        elapsed = time.perf_counter() - start
        done += steps
        print(steps * a.fresh / elapsed, flush=True)


if __name__ == "__main__":
    main()
