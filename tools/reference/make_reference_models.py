#!/usr/bin/env python3
"""Make tiny random-weight Llama and Qwen2 models with Hugging Face transformers, and their reference outputs.

Run on the GPU machine of the device tool (torch + transformers are installed there; the forward pass runs on
the CPU in float64 so the reference does not depend on TF32 or GPU kernels):

    python3 tools/reference/make_reference_models.py OUT_DIR

For each model OUT_DIR/<name>/ gets:
  config.json, model.safetensors   the weights (float32) exactly as transformers saves them
  reference.json                   prompt token ids, 32 greedy continuation ids (with the top-1/top-2 margin of
                                   each step), versions, and the shape of logits.f32
  logits.f32                       little-endian float32 logits [len(prompt), vocab] from one full forward pass

The C# tests convert the safetensors to GGUF with Takase's own writer (F32 and F16) and must reproduce these.
"""
import json
import os
import struct
import sys

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

VOCAB = 256
PROMPT = [1, 17, 200, 45, 3, 99, 128, 7, 64, 250, 12, 33, 180, 5, 77, 140, 2, 90, 211, 60]
STEPS = 32


def models(init):
    common = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                  initializer_range=init, bos_token_id=1, eos_token_id=2)
    yield "llama", LlamaForCausalLM, LlamaConfig(**common, rms_norm_eps=1e-5, rope_theta=10000.0,
                                                  tie_word_embeddings=False)
    yield "llama3-rope-scaled", LlamaForCausalLM, LlamaConfig(
        **common, rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True,
        rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                          original_max_position_embeddings=32))
    yield "qwen2", Qwen2ForCausalLM, Qwen2Config(**common, rms_norm_eps=1e-6, rope_theta=1000000.0,
                                                 tie_word_embeddings=True, use_sliding_window=False)


def build(cls, config, seed):
    torch.manual_seed(seed)
    model = cls(config).eval()
    # Give norms and biases non-trivial values, so a missing weight or bias cannot go unnoticed.
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if "norm" in pname:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif pname.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
    return model


def greedy(model, prompt, steps):
    """Greedy continuation with the KV cache, in float64; returns the ids and each step's top-1/top-2 margin."""
    ids, margins, past = list(prompt), [], None
    step_input = torch.tensor([ids])
    with torch.no_grad():
        for _ in range(steps):
            outp = model(step_input, past_key_values=past, use_cache=True)
            past = outp.past_key_values
            top2 = torch.topk(outp.logits[0, -1], 2)
            margins.append(float(top2.values[0] - top2.values[1]))
            ids.append(int(top2.indices[0]))
            step_input = torch.tensor([[ids[-1]]])
    return ids[len(prompt):], margins


def main(out):
    # Random models easily collapse into repeating one token with near-ties, which would make a weak and fragile
    # test. Among a few fixed seeds and init scales, keep the model whose greedy path is most varied and whose
    # smallest top-1/top-2 margin is largest, so F16 rounding cannot flip a greedy choice by chance.
    for index in range(3):
        best = None
        for init in (0.15, 0.25, 0.4):
            for seed in range(6):
                name, cls, config = list(models(init))[index]
                model = build(cls, config, 1000 + seed).double()
                toks, margins = greedy(model, PROMPT, STEPS)
                score = (min(len(set(toks)), 12), min(margins))
                if best is None or score > best[0]:
                    best = (score, init, seed)
        _, init, seed = best
        name, cls, config = list(models(init))[index]
        model = build(cls, config, 1000 + seed)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        model.save_pretrained(d, safe_serialization=True)

        ref = model.double()
        with torch.no_grad():
            logits = ref(torch.tensor([PROMPT])).logits[0].float()
        toks, margins = greedy(ref, PROMPT, STEPS)
        ids = list(PROMPT) + toks
        with open(os.path.join(d, "logits.f32"), "wb") as f:
            f.write(struct.pack("<%df" % logits.numel(), *logits.flatten().tolist()))
        meta = dict(model=name, architecture=config.model_type, prompt=PROMPT, greedy=ids[len(PROMPT):],
                    greedy_margins=margins, logits_shape=[len(PROMPT), VOCAB],
                    logit_range=float(logits.max() - logits.min()), init_range=init, seed=1000 + seed,
                    torch=torch.__version__, transformers=transformers.__version__)
        with open(os.path.join(d, "reference.json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(name, "greedy", meta["greedy"], "min margin %.4f" % min(margins), "range %.3f" % meta["logit_range"])


if __name__ == "__main__":
    main(sys.argv[1])
