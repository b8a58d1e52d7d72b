#!/usr/bin/python3
"""The same char-LM training step as build/bin/charlm_bench, in PyTorch (Debian's python3-torch).

Embedding 64 -> nn.RNN/LSTM/GRU (batch_first) -> Linear head -> cross-entropy -> backward ->
clip_grad_norm_(5) -> Adam(2e-3), on char-rnn streams with detached states carried between
windows. Prints one JSON line like charlm_bench. Runs PyTorch in its fastest setting: one
thread, and on a CPU with AVX-512 OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS otherwise picks
SSE3 kernels there); elsewhere OpenBLAS's own choice (its Zen/Haswell kernels on AVX2).
"""
import argparse, json, os, resource, time

if "avx512f" in open("/proc/cpuinfo").read():
    os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tinyshakespeare.txt"))
p.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
p.add_argument("--hidden", type=int, default=256)
p.add_argument("--layers", type=int, default=2)
p.add_argument("--seq", type=int, default=64)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--steps", type=int, default=30)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--bidirectional", action="store_true",
               help="a bidirectional stack, the head reading both directions (a throughput yardstick)")
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1)
text = open(a.data, encoding="utf-8").read()
vocab = sorted(set(text))
index = {c: i for i, c in enumerate(vocab)}
ids = torch.tensor([index[c] for c in text])
V, B, T = len(vocab), a.batch, a.seq
L = (len(ids) - 1) // B
streams = ids[: B * L + 1]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, 64)
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[a.cell](
            64, a.hidden, a.layers, batch_first=True, bidirectional=a.bidirectional)
        self.head = nn.Linear(a.hidden * (2 if a.bidirectional else 1), V)

    def forward(self, x, state):
        h, state = self.rnn(self.embed(x), state)
        return self.head(h), state


m = Model()
opt = torch.optim.Adam(m.parameters(), lr=2e-3)
lossf = nn.CrossEntropyLoss()
state, window = None, 0


def step():
    global state, window
    if (window + 1) * T >= L:
        window, state = 0, None
    starts = torch.arange(B) * L + window * T
    x = torch.stack([streams[s : s + T] for s in starts])
    y = torch.stack([streams[s + 1 : s + T + 1] for s in starts])
    window += 1
    opt.zero_grad()
    logits, state = m(x, state)
    loss = lossf(logits.reshape(-1, V), y.reshape(-1))
    loss.backward()
    state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
    opt.step()
    return loss.item()


for _ in range(a.warmup):
    step()
t0 = time.perf_counter()
for _ in range(a.steps):
    loss = step()
dt = time.perf_counter() - t0
print(json.dumps({"impl": "pytorch-" + torch.__version__, "cell": a.cell, "bidirectional": a.bidirectional, "hidden": a.hidden, "layers": a.layers,
                  "seq": a.seq, "batch": a.batch, "threads": a.threads, "steps": a.steps,
                  "tokens_per_s": round(a.steps * B * T / dt, 1), "ms_per_step": round(1000 * dt / a.steps, 2),
                  "final_loss": round(loss, 4),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
