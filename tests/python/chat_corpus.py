"""Conversations for the chat-template tests, in the message form HF passes to
templates: with and without a system message, multi-turn, add_generation_prompt
both ways, tools and tool calls, non-ASCII and empty content."""
from __future__ import annotations

import json

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. 北京"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
                "days": {"type": "integer", "description": "Days ahead", "minimum": 0, "maximum": 7},
            },
            "required": ["city"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for"},
                "sites": {"type": "array", "items": {"type": "string"}, "description": "Sites to search"},
                "options": {"type": "object", "properties": {"safe": {"type": "boolean"}}},
                "limit": {"type": "number", "default": 5},
            },
            "required": ["query", "sites"],
        },
    },
}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


def system(text: str) -> dict:
    return {"role": "system", "content": text}


def tool_call(name: str, arguments: dict, call_id: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


PLAIN = {
    "single": [user("Hello!")],
    "system-single": [system("You are a helpful assistant."), user("Hello!")],
    "answered": [system("You are terse."), user("What is 2+2?"), assistant("4.")],
    "no-system-answered": [user("Translate 猫 into English."), assistant("Cat.")],
    "multi-turn": [system("你是一个乐于助人的助手。"), user("一"), assistant("1"), user("二"), assistant("2"), user("三")],
    "multi-turn-answered": [user("a"), assistant("b"), user("c"), assistant("d")],
    "whitespace": [system("  spaced system \n"), user(" 前后有空格 \n"), assistant("\n答案\t"), user("  ")],
    "empty-content": [system(""), user(""), assistant(""), user("x")],
    "emoji-quotes": [user("Say \"hi\" 👋 and 'bye' \\ </s> <|im_end|>"), assistant("hi 👋 — \"bye\"")],
    "think": [user("Why?"), assistant("<think>\nbecause\n</think>\n\nBecause."), user("Sure?")],
}

TOOLS = {
    "tool-call": [
        system("You can call tools."),
        user("What's the weather in Paris?"),
        {"role": "assistant", "content": "", "tool_calls": [tool_call("get_weather", {"city": "Paris", "unit": "celsius"}, "call_1")]},
        {"role": "tool", "name": "get_weather", "tool_call_id": "call_1", "content": "{\"temperature\": 21}"},
        assistant("It is 21 °C in Paris."),
    ],
    "tool-call-pending": [
        user("Search for llamas on two sites"),
        {"role": "assistant", "content": None, "tool_calls": [
            tool_call("search", {"query": "llamas", "sites": ["a.org", "b.org"]}, "call_a"),
            tool_call("get_weather", {"city": "Lima"}, "call_b")]},
        {"role": "tool", "name": "search", "tool_call_id": "call_a", "content": "found 3"},
        {"role": "tool", "name": "get_weather", "tool_call_id": "call_b", "content": "sunny"},
    ],
}


def with_string_arguments(messages: list[dict]) -> list[dict]:
    """The same messages with tool-call arguments as JSON text, as OpenAI-style clients send them."""
    out = []
    for message in messages:
        calls = message.get("tool_calls")
        if calls:
            calls = [{**c, "function": {**c["function"], "arguments": json.dumps(c["function"]["arguments"])}}
                     for c in calls]
            message = {**message, "tool_calls": calls}
        out.append(message)
    return out


def cases() -> list[tuple[str, dict]]:
    """(id, variables) pairs: the messages, tools, and add_generation_prompt."""
    out = []
    tools = [WEATHER_TOOL, SEARCH_TOOL]
    for name, messages in PLAIN.items():
        for prompt in (False, True):
            suffix = "prompt" if prompt else "full"
            out.append((f"{name}-{suffix}", {"messages": messages, "tools": None, "documents": None,
                                             "add_generation_prompt": prompt}))
            out.append((f"{name}-{suffix}-empty-tools", {"messages": messages, "tools": [], "documents": None,
                                                         "add_generation_prompt": prompt}))
    for name, messages in TOOLS.items():
        for prompt in (False, True):
            suffix = "prompt" if prompt else "full"
            out.append((f"{name}-{suffix}", {"messages": messages, "tools": tools, "documents": None,
                                             "add_generation_prompt": prompt}))
            out.append((f"{name}-{suffix}-string-arguments",
                        {"messages": with_string_arguments(messages), "tools": tools, "documents": None,
                         "add_generation_prompt": prompt}))
    out.append(("tools-no-calls", {"messages": PLAIN["system-single"], "tools": [WEATHER_TOOL], "documents": None,
                                   "add_generation_prompt": True}))
    out.append(("functions-text", {"messages": PLAIN["answered"], "tools": None, "documents": None,
                                   "functions": json.dumps([WEATHER_TOOL["function"]], indent=2),
                                   "add_generation_prompt": True}))
    out.append(("documents", {"messages": PLAIN["system-single"], "tools": [],
                              "documents": [{"title": "Tall penguins", "text": "Emperor penguins are the tallest."},
                                            {"title": "Habitats", "text": "They live in Antarctica."}],
                              "add_generation_prompt": True}))
    return out


SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}


def variables_json(variables: dict, tokens: dict[str, str]) -> str:
    return json.dumps({**tokens, **variables}, ensure_ascii=False)
