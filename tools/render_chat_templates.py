#!/usr/bin/env python3
"""Render every real chat template with Python's jinja2 the way Hugging Face's apply_chat_template does.

The output is the ground truth for Takase's C# template engine: for each template x conversation case it writes
either the rendered text (CASE.txt, UTF-8, byte for byte) or the error jinja2 raised (CASE.error.json).
The inputs themselves go to cases.json, so the C# test renders exactly the same conversations.

Environment mirrored from transformers' chat template utilities:
  ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[<generation tag>, loopcontrols]),
  a tojson filter that is json.dumps(ensure_ascii=False, ...) (no HTML escaping), raise_exception(msg) raising
  TemplateError, and strftime_now(fmt). strftime_now here formats a FIXED date so fixtures stay stable.
  render(messages=..., tools=<list or None>, documents=None, add_generation_prompt=..., <special tokens>, **extra).

Usage:
  python3 tools/render_chat_templates.py [--templates ../shared/data/templates]
                                         [--out tests/Takase.Engine.Tests/Fixtures/templates]
"""

import argparse
import json
import os
import shutil
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.sandbox
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

# The clock strftime_now reads. The C# tests inject the same instant (cases.json carries it).
FIXED_NOW = datetime(2025, 7, 26, 14, 30, 5)


class GenerationTag(jinja2.ext.Extension):
    """HF's {% generation %}...{% endgeneration %} tag: marks assistant text for masks; renders its body unchanged.

    HF parses it into a CallBlock whose caller is the body, so the body runs in a macro-like scope.
    """

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render_body")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # HF replaces jinja2's tojson: plain json.dumps, so <>&' are not HTML-escaped.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def make_environment(mutable=False):
    # HF uses the immutable sandbox; the mutable one is the reference for ChatTemplate.AllowMutation.
    cls = SandboxedEnvironment if mutable else ImmutableSandboxedEnvironment
    env = cls(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


# ---------------------------------------------------------------------------------------------------------------
# Conversations. Plain JSON values, so C# can load the very same data through ChatTemplate.FromJson.

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "City name, e.g. Tokyo"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
                },
                "required": ["location"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_web",
            "description": "Search the web & return the top results <as text>.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to search for"},
                    "max_results": {"type": "integer", "description": "How many results", "default": 3},
                },
                "required": ["query"],
            },
        },
    },
]

SYSTEM = {"role": "system", "content": "You are a helpful assistant. Answer briefly."}
USER_HELLO = {"role": "user", "content": "Hello! What's 2 + 2?"}
ASSISTANT_FOUR = {"role": "assistant", "content": "2 + 2 = 4."}
USER_FOLLOWUP = {"role": "user", "content": "And \"3 * 3\"? Explain it like I'm five."}

CASES = {
    "user_only": {"messages": [USER_HELLO], "add_generation_prompt": True},
    "user_only_no_gen": {"messages": [USER_HELLO], "add_generation_prompt": False},
    "system_user": {"messages": [SYSTEM, USER_HELLO], "add_generation_prompt": True},
    "multi_turn": {"messages": [SYSTEM, USER_HELLO, ASSISTANT_FOUR, USER_FOLLOWUP], "add_generation_prompt": True},
    "multi_turn_no_gen": {"messages": [USER_HELLO, ASSISTANT_FOUR, USER_FOLLOWUP], "add_generation_prompt": False},
    "assistant_last": {"messages": [USER_HELLO, ASSISTANT_FOUR], "add_generation_prompt": False},
    "japanese_emoji": {
        "messages": [
            {"role": "system", "content": "あなたは親切なアシスタントです。"},
            {"role": "user", "content": "東京の天気は？☀️🌧️ 教えてください！"},
            {"role": "assistant", "content": "今日の東京は晴れ時々雨です 🌦️。気温は２２℃。"},
            {"role": "user", "content": "ありがとう 🙏 𠮷野家はどこ？"},
        ],
        "add_generation_prompt": True,
    },
    "tool_use": {
        "needs": "tools",
        "tools": TOOLS,
        "messages": [
            SYSTEM,
            {"role": "user", "content": "What's the weather in Tokyo?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "a1b2c3d4e",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}},
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "a1b2c3d4e",
                "name": "get_weather",
                "content": "{\"temperature\": 22, \"condition\": \"sunny\"}",
            },
            {"role": "assistant", "content": "It is 22 °C and sunny in Tokyo."},
            {"role": "user", "content": "Thanks! Search for 'best ramen in Tokyo'."},
        ],
        "add_generation_prompt": True,
    },
    "tool_use_string_args": {
        # OpenAI's wire format: arguments as a JSON string rather than an object.
        "needs": "tools",
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": "Search for 'best ramen in Tokyo'."},
            {
                "role": "assistant",
                "content": "Let me search.",
                "tool_calls": [
                    {
                        "id": "f9e8d7c6b",
                        "type": "function",
                        "function": {"name": "search_web", "arguments": "{\"query\": \"best ramen in Tokyo\", \"max_results\": 2}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "f9e8d7c6b", "name": "search_web", "content": "1. Ichiran\n2. Afuri"},
        ],
        "add_generation_prompt": True,
    },
    "tools_first_turn": {
        "needs": "tools",
        "tools": TOOLS,
        "messages": [{"role": "user", "content": "What's the weather in Osaka, in fahrenheit?"}],
        "add_generation_prompt": True,
    },
    "reasoning": {
        "needs": "reasoning_content",
        "messages": [
            USER_HELLO,
            {"role": "assistant", "content": "2 + 2 = 4.", "reasoning_content": "Adding two and two gives four."},
            USER_FOLLOWUP,
        ],
        "add_generation_prompt": True,
    },
    "thinking_off": {
        "needs": "enable_thinking",
        "messages": [SYSTEM, USER_HELLO, ASSISTANT_FOUR, USER_FOLLOWUP],
        "add_generation_prompt": True,
        "extra": {"enable_thinking": False},
    },
}

# Special tokens per family (HF passes the tokenizer's special_tokens_map); None means "not passed" (undefined).
GENERIC_TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}
FAMILY_TOKENS = [
    ("meta-llama-", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}),
    ("fireworks-ai-llama-3", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}),
    ("NousResearch-Hermes-", {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"}),
    ("meetkai-functionary", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}),
    ("deepseek-ai-", {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}),
    ("llama-cpp-deepseek", {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}),
    ("Qwen", {"bos_token": None, "eos_token": "<|im_end|>"}),
    ("google-gemma", {"bos_token": "<bos>", "eos_token": "<eos>"}),
    ("microsoft-Phi", {"bos_token": "<s>", "eos_token": "<|endoftext|>"}),
    ("ibm-granite", {"bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>"}),
    ("openai-gpt-oss", {"bos_token": "<|startoftext|>", "eos_token": "<|return|>"}),
    ("HuggingFaceTB-SmolLM3", {"bos_token": None, "eos_token": "<|im_end|>"}),
]


def tokens_for(name):
    for prefix, tokens in FAMILY_TOKENS:
        if name.startswith(prefix):
            return tokens
    return GENERIC_TOKENS


def cases_for(source):
    chosen = []
    for case_name, case in CASES.items():
        needs = case.get("needs")
        if needs is None or needs in source:
            chosen.append(case_name)
    return chosen


def render_case(template, case, tokens):
    variables = {
        "messages": case["messages"],
        "tools": case.get("tools"),
        "documents": None,
        "add_generation_prompt": case["add_generation_prompt"],
    }
    for key, value in tokens.items():
        if value is not None:
            variables[key] = value
    variables.update(case.get("extra", {}))
    return template.render(**variables)


def error_record(error):
    return {"type": type(error).__name__, "message": str(error)}


def write_result(base, render):
    """Writes BASE.txt with the render, or BASE.error.json with what jinja2 raised; returns the error or None."""
    try:
        text = render()
    except Exception as error:  # the fixture records what jinja2 raised
        with open(base + ".error.json", "w", encoding="utf-8") as f:
            json.dump(error_record(error), f, ensure_ascii=False, indent=1)
            f.write("\n")
        return error
    with open(base + ".txt", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return None


def render_engine_cases(out_dir):
    """Small templates exercising one engine feature each, with the result jinja2 gives (engine_cases.json)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates-engine-cases.py")
    spec = importlib.util.spec_from_file_location("templates_engine_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ENGINE_CASES, ENGINE_VARIABLES = module.ENGINE_CASES, module.ENGINE_VARIABLES

    import copy

    results = []
    for case in ENGINE_CASES:
        env = make_environment(mutable=case.get("mutable", False))
        # A fresh deep copy per case: a case that mutates its inputs must not leak into the next one.
        variables = copy.deepcopy(ENGINE_VARIABLES)
        variables.update(copy.deepcopy(case.get("vars", {})))
        entry = {"name": case["name"], "template": case["template"], "vars": case.get("vars", {})}
        if case.get("mutable"):
            entry["mutable"] = True
        try:
            entry["expected"] = env.from_string(case["template"]).render(**variables)
        except Exception as error:
            entry["error"] = error_record(error)
        results.append(entry)
    document = {
        "generator": "tools/render_chat_templates.py (cases in tools/templates-engine-cases.py)",
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "variables": ENGINE_VARIABLES,
        "cases": results,
    }
    with open(os.path.join(out_dir, "engine_cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return len(results)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", default=os.path.join(root, "..", "shared", "data", "templates"))
    parser.add_argument("--out", default=os.path.join(root, "tests", "Takase.Engine.Tests", "Fixtures", "templates"))
    args = parser.parse_args()

    env = make_environment()
    mutable_env = make_environment(mutable=True)
    expected_dir = os.path.join(args.out, "expected")
    if os.path.isdir(expected_dir):
        shutil.rmtree(expected_dir)
    os.makedirs(expected_dir)

    manifest = {
        "generator": "tools/render_chat_templates.py",
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "cases": {name: {k: v for k, v in case.items() if k != "needs"} for name, case in CASES.items()},
        "templates": {},
    }
    rendered = failed = 0
    for file_name in sorted(os.listdir(args.templates)):
        if not file_name.endswith(".jinja"):
            continue
        name = file_name[: -len(".jinja")]
        with open(os.path.join(args.templates, file_name), encoding="utf-8") as f:
            source = f.read()
        template = env.from_string(source)
        tokens = tokens_for(name)
        case_names = cases_for(source)
        manifest["templates"][name] = {"tokens": tokens, "cases": case_names}
        os.makedirs(os.path.join(expected_dir, name))
        mutable_template = None
        for case_name in case_names:
            base = os.path.join(expected_dir, name, case_name)
            error = write_result(base, lambda: render_case(template, CASES[case_name], tokens))
            if error is None:
                rendered += 1
                continue
            failed += 1
            if isinstance(error, jinja2.sandbox.SecurityError):
                # What the template does when mutation is allowed (ChatTemplate.AllowMutation).
                mutable_template = mutable_template or mutable_env.from_string(source)
                write_result(base + ".mutable", lambda: render_case(mutable_template, CASES[case_name], tokens))
                manifest["templates"][name].setdefault("mutable_cases", []).append(case_name)

    with open(os.path.join(args.out, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    engine = render_engine_cases(args.out)
    print(f"{len(manifest['templates'])} templates: {rendered} renders, {failed} errors; {engine} engine cases -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
