#!/usr/bin/python3
"""The same seq2seq training step as build/bin/seq2seq_bench, in PyTorch (Debian's python3-torch).

Encoder: Embedding(V, E) -> nn.LSTM(E, H). Decoder: Embedding(V, E) -> nn.LSTM(E, H) started from the
encoder's final state, teacher-forced over all T target steps in one call; then attention over the
encoder outputs for all decoder steps at once (Luong et al. 2015, no input feeding):
  scores [B, T, S] = dot: d·e | general: d·(W e) | additive: v·tanh(W1 d + W2 e)
  masked by the source lengths, softmax over S, context = weights · e,
  attentional state = tanh(Wc [context; d]) -> Linear(H, V) -> cross-entropy.
Then backward, clip_grad_norm_(5), Adam. Random token sequences (the speed does not depend on them);
source lengths drawn in [S/2, S]. Prints one JSON line with target tokens per second and peak RSS.
Run: bench/torch_seq2seq.py --hidden 256 --seq 32 --batch 32 --attention general --steps 30 --threads 1
"""
import argparse, json, os, resource, time

if "avx512f" in open("/proc/cpuinfo").read():
    os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--vocab", type=int, default=40)
p.add_argument("--embed", type=int, default=64)
p.add_argument("--hidden", type=int, default=256)
p.add_argument("--seq", type=int, default=32, help="source and target length (S = T)")
p.add_argument("--batch", type=int, default=32)
p.add_argument("--attention", default="general", choices=["none", "dot", "general", "additive"])
p.add_argument("--steps", type=int, default=30)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
V, E, H, S, B = a.vocab, a.embed, a.hidden, a.seq, a.batch


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(V, E), nn.Embedding(V, E)
        self.enc = nn.LSTM(E, H, batch_first=True)
        self.dec = nn.LSTM(E, H, batch_first=True)
        if a.attention == "general":
            self.w = nn.Linear(H, H, bias=False)
        if a.attention == "additive":
            self.w1, self.w2, self.v = nn.Linear(H, H, bias=False), nn.Linear(H, H), nn.Linear(H, 1, bias=False)
        self.combine = nn.Linear(2 * H, H) if a.attention != "none" else None
        self.head = nn.Linear(H, V)

    def forward(self, src, src_len, tgt_in):
        e, state = self.enc(self.src_emb(src))                       # [B, S, H]
        d, _ = self.dec(self.tgt_emb(tgt_in), state)                 # [B, T, H]
        if self.combine is not None:
            if a.attention == "dot":
                scores = d @ e.transpose(1, 2)                       # [B, T, S]
            elif a.attention == "general":
                scores = d @ self.w(e).transpose(1, 2)
            else:
                scores = self.v(torch.tanh(self.w1(d).unsqueeze(2) + self.w2(e).unsqueeze(1))).squeeze(-1)
            mask = torch.arange(S)[None, None, :] >= src_len[:, None, None]
            weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
            d = torch.tanh(self.combine(torch.cat([weights @ e, d], dim=-1)))
        return self.head(d)


m = Seq2Seq()
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
lossf = nn.CrossEntropyLoss()
g = torch.Generator().manual_seed(0)


def step():
    src = torch.randint(0, V, (B, S), generator=g)
    src_len = torch.randint(S // 2, S + 1, (B,), generator=g)
    tgt = torch.randint(0, V, (B, S + 1), generator=g)
    opt.zero_grad()
    loss = lossf(m(src, src_len, tgt[:, :-1]).reshape(-1, V), tgt[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
    opt.step()
    return loss.item()


for _ in range(a.warmup):
    step()
t0 = time.perf_counter()
for _ in range(a.steps):
    loss = step()
dt = time.perf_counter() - t0
print(json.dumps({
    "peer": "pytorch-" + torch.__version__, "model": "seq2seq", "attention": a.attention, "hidden": H, "embed": E,
    "seq": S, "batch": B, "threads": a.threads, "tokens_per_s": round(a.steps * S * B / dt, 1),
    "ms_per_step": round(1000 * dt / a.steps, 2), "final_loss": round(loss, 4),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
