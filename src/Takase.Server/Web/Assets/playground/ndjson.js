// Reads a newline-delimited JSON stream (Ollama's streaming format) as it arrives: one parsed object per line.
// Chunks of the body may end mid-line or mid-character, so bytes are decoded as a stream and lines are cut only at
// '\n'.

/** Yields each JSON line of `body` (a ReadableStream of bytes). */
export async function* readNdjson(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield parse(line);
      }
    }
    if (pending.trim()) yield parse(pending.trim());
  } finally {
    reader.releaseLock();
  }
}

function parse(line) {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the server sent a line that is not JSON: ${line.slice(0, 120)}`);
  }
}
