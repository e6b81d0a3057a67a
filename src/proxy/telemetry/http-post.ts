// One POST of an already encoded body (a span batch) over node:http or node:https, resolving on a 2xx answer and rejecting on anything else.
import * as http from 'node:http';
import * as https from 'node:https';

export interface PostOptions {
  /** An https.Agent for an https: URL, an http.Agent otherwise. */
  readonly agent: http.Agent;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** POSTs `body`; rejects unless the server answers 2xx within `timeoutMs` (the answer's body is read and dropped). */
export function postBody(url: string | URL, contentType: string, body: string, opts: PostOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = typeof url === 'string' ? new URL(url) : url;
    const request = u.protocol === 'https:' ? https.request : http.request;
    const req = request(u, { method: 'POST', agent: opts.agent, timeout: opts.timeoutMs, headers: { ...opts.headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve();
        else reject(new Error(`${u.href} answered ${code}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${u.href} did not answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
