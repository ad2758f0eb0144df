// Drives a Takase server with the official `openai` npm package, as an application would, and prints one JSON
// object with what each call returned; OpenAiClientLibraryTests checks it. TAKASE_URL is the server's base address.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: `${process.env.TAKASE_URL}/v1`, apiKey: "takase-ignores-keys", maxRetries: 0 });
const story = [{ role: "user", content: "Once upon a time" }];
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);
out.retrieved = (await client.models.retrieve("stories260K:latest")).id;

const chat = await client.chat.completions.create({ model: "stories260K", messages: story, temperature: 0, max_tokens: 12 });
out.chat = { content: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage };

const stream = await client.chat.completions.create({
  model: "stories260K", messages: story, temperature: 0, max_tokens: 12, stream: true, stream_options: { include_usage: true },
});
let streamed = "";
let streamFinish = null;
let streamUsage = null;
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    streamed += c.delta.content ?? "";
    if (c.finish_reason) streamFinish = c.finish_reason;
  }
  if (chunk.usage) streamUsage = chunk.usage;
}
out.stream = { content: streamed, finish: streamFinish, usage: streamUsage };

const completion = await client.completions.create({ model: "stories260K", prompt: "Once upon a time", temperature: 0, max_tokens: 12 });
out.completion = completion.choices[0].text;

// The SDK asks for base64 by default and decodes it into floats.
const embedding = await client.embeddings.create({ model: "stories260K", input: ["Once upon a time", "Lily"] });
out.embeddings = embedding.data.map((d) => d.embedding.length);
out.embeddingNorm = Math.sqrt(embedding.data[0].embedding.reduce((s, x) => s + x * x, 0));

const tools = [{
  type: "function",
  function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
}];
const toolUse = await client.chat.completions.create({
  model: "tiny-chat",
  max_tokens: 4,
  tools,
  tool_choice: "auto",
  messages: [
    { role: "user", content: "What is the weather in Paris?" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city: "Paris" }) } }] },
    { role: "tool", tool_call_id: "call_1", content: JSON.stringify({ temperature: 21 }) },
  ],
});
out.toolUse = { finish: toolUse.choices[0].finish_reason, role: toolUse.choices[0].message.role, promptTokens: toolUse.usage.prompt_tokens };

// Structured output: a bounded schema, so even a random model completes it within the limit.
const structured = await client.chat.completions.create({
  model: "tiny-chat",
  seed: 11,
  max_tokens: 80,
  messages: [{ role: "user", content: "Pick a colour." }],
  response_format: { type: "json_schema", json_schema: { name: "pick", strict: true, schema: { type: "object", properties: { colour: { enum: ["red", "green"] }, n: { type: "integer", minimum: 1, maximum: 9 } }, required: ["colour", "n"], additionalProperties: false } } },
});
out.structured = { finish: structured.choices[0].finish_reason, value: JSON.parse(structured.choices[0].message.content) };

// A forced tool call (arguments bounded by an enum, so a random model finishes the call within the limit).
const forced = await client.chat.completions.create({
  model: "tiny-chat",
  seed: 12,
  max_tokens: 80,
  tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { enum: ["Paris", "東京"] } }, required: ["city"] } } }],
  tool_choice: { type: "function", function: { name: "get_weather" } },
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
});
const forcedCall = forced.choices[0].message.tool_calls?.[0];
out.forced = { finish: forced.choices[0].finish_reason, name: forcedCall?.function.name, arguments: forcedCall ? JSON.parse(forcedCall.function.arguments) : null };

try {
  await client.chat.completions.create({ model: "stories260K", messages: story, temperature: 5 });
  out.error = null;
} catch (e) {
  out.error = { status: e.status, type: e.type, param: e.param, name: e.constructor.name };
}

console.log(JSON.stringify(out));
