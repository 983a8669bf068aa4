import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { safeLookup, UrlPolicy, urlRefusal } from './url-safety';

/** At most this much of a receiver's answer is read (kept for the operator, truncated). */
export const RESPONSE_BODY_LIMIT = 4096;

export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, timeout, network error). */
  status: number | null;
  latencyMs: number;
  error: string | null;
  body: string;
}

/**
 * One POST with a hard timeout, to a URL checked again at send time (scheme, literal addresses) and an
 * address checked after DNS resolution (safeLookup), so a name re-pointed to an internal address is refused.
 */
export async function postDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  policy: UrlPolicy,
): Promise<SendResult> {
  const started = Date.now();
  const refusal = urlRefusal(url, policy);
  if (refusal) return { status: null, latencyMs: 0, error: `refused: ${refusal}`, body: '' };
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let done = false;
    const finish = (status: number | null, error: string | null, text = '') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, latencyMs: Date.now() - started, error, body: text });
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Tollgate-Webhooks/1',
        },
        lookup: safeLookup(policy),
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const complete = () => finish(res.statusCode ?? null, null, Buffer.concat(chunks).toString('utf8'));
        res.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_BODY_LIMIT) return;
          chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - size));
          size += chunk.length;
          if (size >= RESPONSE_BODY_LIMIT) {
            complete();
            res.destroy();
          }
        });
        res.on('end', complete);
        res.on('error', complete);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => finish(null, err.message.slice(0, 300)));
    req.end(body);
  });
}
