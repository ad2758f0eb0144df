// Drives a live Takase server with the real `ollama` npm client (ollama-js) and prints what it saw as one JSON
// object; OllamaClientTests asserts on it. Usage: TAKASE_URL=http://127.0.0.1:port node ollama-client.mjs
import { Ollama } from 'ollama';

const ollama = new Ollama({ host: process.env.TAKASE_URL });
const greedy = { temperature: 0, repeat_penalty: 1, num_predict: 40 };
const out = {};

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { name: e.name, status: e.status_code ?? null, message: e.error ?? e.message };
  }
}

out.version = (await ollama.version()).version;

const list = await ollama.list();
out.list = list.models.map((m) => ({ name: m.name, family: m.details.family, quantization: m.details.quantization_level, size: m.size }));

const show = await ollama.show({ model: 'tiny-chat' });
out.show = { capabilities: show.capabilities, family: show.details.family, hasTemplate: show.template.includes('<|im_start|>'), architecture: show.model_info['general.architecture'] };

const generated = await ollama.generate({ model: 'stories260K', prompt: 'Once upon a time', raw: true, options: greedy });
out.generate = { response: generated.response, done: generated.done, done_reason: generated.done_reason, eval_count: generated.eval_count };

let streamedText = '';
let chunks = 0;
let last = null;
for await (const part of await ollama.generate({ model: 'stories260K', prompt: 'Once upon a time', stream: true, options: greedy })) {
  streamedText += part.response;
  chunks++;
  last = part;
}
out.generateStream = { text: streamedText, chunks, done: last.done, context: last.context.length, eval_count: last.eval_count, eval_duration: last.eval_duration };

const messages = [{ role: 'user', content: 'Hello there!' }];
const chat = await ollama.chat({ model: 'tiny-chat', messages, options: { temperature: 0, num_predict: 6 } });
out.chat = { role: chat.message.role, content: chat.message.content, done: chat.done, eval_count: chat.eval_count, prompt_eval_count: chat.prompt_eval_count };

let chatText = '';
let chatChunks = 0;
for await (const part of await ollama.chat({ model: 'tiny-chat', messages, stream: true, options: { temperature: 0, num_predict: 6 } })) {
  chatText += part.message.content;
  chatChunks++;
  last = part;
}
out.chatStream = { content: chatText, chunks: chatChunks, done: last.done, done_reason: last.done_reason };

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
  },
}];
const withTools = await ollama.chat({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, options: { temperature: 0, num_predict: 4 } });
const withoutTools = await ollama.chat({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Weather in Paris?' }], options: { temperature: 0, num_predict: 4 } });
// A schema admitting only a get_weather call makes the tiny model call it.
const forcedCall = {
  type: 'object', required: ['name', 'arguments'], additionalProperties: false,
  properties: { name: { enum: ['get_weather'] }, arguments: { type: 'object', required: ['city'], additionalProperties: false, properties: { city: { enum: ['Paris'] } } } },
};
const called = await ollama.chat({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, format: forcedCall, options: { temperature: 0, num_predict: 100 } });
out.tools = { done: withTools.done, withTools: withTools.prompt_eval_count, withoutTools: withoutTools.prompt_eval_count, called: called.message.tool_calls };

const embedded = await ollama.embed({ model: 'stories260K', input: ['Once upon a time', 'The dog ran.'] });
out.embed = { count: embedded.embeddings.length, dimensions: embedded.embeddings[0].length, norm: Math.hypot(...embedded.embeddings[0]) };
const legacy = await ollama.embeddings({ model: 'stories260K', prompt: 'Once upon a time' });
out.embeddings = { dimensions: legacy.embedding.length };

out.ps = (await ollama.ps()).models.map((m) => ({ name: m.name, expires_at: m.expires_at, size_vram: m.size_vram }));

await ollama.copy({ source: 'stories260K', destination: 'js-copy' });
out.copied = (await ollama.list()).models.some((m) => m.name === 'js-copy:latest');
await ollama.delete({ model: 'js-copy' });
out.deleted = !(await ollama.list()).models.some((m) => m.name === 'js-copy:latest');

out.unknownModel = await failure(ollama.generate({ model: 'no-such-model', prompt: 'x' }));
out.badOption = await failure(ollama.generate({ model: 'stories260K', prompt: 'x', options: { num_ctx: -5 } }));
out.pull = await failure(ollama.pull({ model: 'llama3.2' }));

console.log(JSON.stringify(out));
