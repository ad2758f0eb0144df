// Asks a Takase server's router profile "auto" for an answer through both real npm clients, and prints what each saw
// as one JSON object; RoutedRequestTests checks it. TAKASE_URL is the server's base address.
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const messages = [{ role: 'user', content: 'Say hello.' }];
const out = {};

// ollama-js: the explanation is the extra "takase" object of the final chunk.
const ollama = new Ollama({ host: process.env.TAKASE_URL });
let content = '';
let last = null;
for await (const part of await ollama.chat({ model: 'auto', messages, stream: true })) {
  content += part.message.content;
  last = part;
}
out.ollama = { content, model: last.model, route: last.takase?.id ?? null };

// openai: the decision id is the x-takase-route-id header; the "takase" field rides on the response object.
const openai = new OpenAI({ baseURL: `${process.env.TAKASE_URL}/v1`, apiKey: 'takase-ignores-keys', maxRetries: 0 });
const { data: chat, response } = await openai.chat.completions.create({ model: 'auto', messages }).withResponse();
out.openai = {
  content: chat.choices[0].message.content,
  model: chat.model,
  route: response.headers.get('x-takase-route-id'),
  field: chat.takase?.id ?? null,
};

console.log(JSON.stringify(out));
