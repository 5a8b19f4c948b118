// One request of a batch, run through an emulator's own handler as if it had come alone:
// the handler reads a request (method, url, headers, body stream) and writes a response
// (writeHead / end / statusCode), so a part is a stand-in of each and the answer is captured.
// Gmail's multipart batch and Graph's JSON $batch both answer every part this way, so a
// part sees the same routes, auth, storms and failNext queue as a lone request.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export interface InnerAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export async function runInner(
  handle: Handler,
  part: { method: string; url: string; headers: IncomingHttpHeaders; body?: string },
): Promise<InnerAnswer> {
  const req = Object.assign(Readable.from(part.body ? [part.body] : []), {
    method: part.method,
    url: part.url,
    headers: part.headers,
  }) as unknown as IncomingMessage;
  const answer: InnerAnswer = { status: 200, headers: {}, body: '' };
  const res = {
    set statusCode(s: number) {
      answer.status = s;
    },
    get statusCode() {
      return answer.status;
    },
    writeHead(status: number, headers: Record<string, string> = {}) {
      answer.status = status;
      for (const [k, v] of Object.entries(headers)) answer.headers[k.toLowerCase()] = String(v);
      return res;
    },
    end(body?: string) {
      answer.body = body ?? '';
      return res;
    },
  } as unknown as ServerResponse;
  await handle(req, res);
  return answer;
}
