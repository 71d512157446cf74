"""PyTorch side of the engine benchmark: the same figures as `Flows.Bench quick`, same line format.

Usage: python3 bench/python/engine_bench.py [--threads 2] [--reps 15]
Each line: `<figure> <median ms> ms <GFLOP/s> GFLOP/s` (median of --reps timed repetitions after warm-up).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

CONV_SHAPES = [
    # name, batch, in channels, out channels, height, width, kernel
    ("conv3x3_2to128", 64, 2, 128, 14, 14, 3),
    ("conv1x1_128to128", 64, 128, 128, 14, 14, 1),
    ("conv3x3_128to4", 64, 128, 4, 14, 14, 3),
]


def median_ms(fn, reps, warmup=3, min_seconds=0.2):
    for _ in range(warmup):
        fn()
    # Each repetition runs the figure enough times to last a few ms, so timer resolution does not matter.
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-6)
    inner = max(1, int(min_seconds / reps / once))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) * 1000.0 / inner)
    return statistics.median(times)


def line(name, ms, flops):
    print(f"{name} {ms:.3f} ms {flops / (ms * 1e6):.1f} GFLOP/s", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    n = 512
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    c = torch.empty(n, n)
    line(f"gemm_{n}x{n}x{n}", median_ms(lambda: torch.matmul(a, b, out=c), args.reps), 2.0 * n * n * n)

    for name, batch, ci, co, h, w, k in CONV_SHAPES:
        x = torch.randn(batch, ci, h, w, requires_grad=True)
        weight = (torch.randn(co, ci, k, k) / (ci * k * k) ** 0.5).requires_grad_()
        dy = torch.randn(batch, co, h, w)
        flops = 2.0 * batch * co * ci * k * k * h * w

        def forward():
            with torch.no_grad():
                F.conv2d(x, weight, padding=k // 2)

        def forward_backward():
            x.grad = None
            weight.grad = None
            y = F.conv2d(x, weight, padding=k // 2)
            y.backward(dy)

        line(f"{name}_fwd", median_ms(forward, args.reps), flops)
        line(f"{name}_fwdbwd", median_ms(forward_backward, args.reps), 3 * flops)


if __name__ == "__main__":
    main()
