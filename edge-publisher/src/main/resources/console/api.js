// The admin API as the console calls it: the bearer token (kept for this tab only), JSON calls whose
// errors carry the API's own {code, message}, and the live event stream.

const TOKEN_KEY = 'distill.console.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/** A refusal or failure of the API: message is the API's own sentence. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function errorOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    // not JSON: a proxy's page, say; the status is all there is
  }
  if (body && body.message) {
    return new ApiError(res.status, body.code || String(res.status), body.message);
  }
  return new ApiError(res.status, String(res.status), `HTTP ${res.status} ${res.statusText}`);
}

export async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the publisher did not answer (${e.message})`);
  }
  if (!res.ok) {
    throw await errorOf(res);
  }
  return res.status === 204 ? null : res.json();
}

export const get = (path) => call('GET', path);

/**
 * Reads the server-sent events of path with fetch (EventSource cannot send the Authorization header)
 * and calls onEvent(name, data) for each; resolves when the stream ends, rejects when it fails.
 */
export async function stream(path, onEvent, signal) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token()}`, Accept: 'text/event-stream' }, signal });
  if (!res.ok) {
    throw await errorOf(res);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) {
          name = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
      if (data.length > 0) {
        let parsed;
        try {
          parsed = JSON.parse(data.join('\n'));
        } catch (e) {
          parsed = data.join('\n');
        }
        onEvent(name, parsed);
      }
    }
  }
}
