// messages.get format=full (https://developers.google.com/gmail/api/reference/rest/v1/users.messages#MessagePart):
// the message as a MessagePart tree — partId, mimeType, filename, headers, body {attachmentId?,
// size, data?}, parts[] — built from the stored raw message by postal-mime's own MIME tree, so
// the split, the part headers and the transfer decoding are a real parser's, not ours. A leaf's
// `data` is its content after transfer decoding (base64url, charset not converted; line ends
// as postal-mime reads them). Parts that are not inline text (a filename, a non-text type) and
// text larger than the inline limit carry an attachmentId instead, served by
// users.messages.attachments.get (MessagePartBody). A message/rfc822 part is an attachment whose
// `parts` hold the enclosed message's tree, as Gmail shows a forwarded message.
import PostalMime from 'postal-mime';

interface MessagePartBody {
  attachmentId?: string;
  size: number;
  data?: string;
}

interface MessagePart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: { name: string; value: string }[];
  body: MessagePartBody;
  parts?: MessagePart[];
}

/** The slice of postal-mime's (internal) MIME node this reads. */
interface Node {
  contentType: { parsed: { value: string; params: Record<string, string> } };
  contentDisposition: { parsed: { value: string; params: Record<string, string> } };
  rawHeaderLines: { key: string; line: string }[];
  content: ArrayBuffer | null;
  childNodes: Node[];
}

/** A message's tree and the contents its attachmentIds stand for. */
export interface FullMessage {
  payload: MessagePart;
  attachments: Map<string, Buffer>;
}

/**
 * The tree of a raw message. `inlineLimit`: the largest text part (bytes after decoding) sent
 * as `data`; Gmail does not document its own, larger ones come as attachments.
 */
export async function fullMessage(raw: Buffer, messageId: string, inlineLimit: number): Promise<FullMessage> {
  const attachments = new Map<string, Buffer>();
  const payload = await partTree(raw, '', { messageId, inlineLimit, attachments });
  return { payload, attachments };
}

interface Ctx {
  messageId: string;
  inlineLimit: number;
  attachments: Map<string, Buffer>;
}

async function partTree(raw: Buffer, rootId: string, ctx: Ctx): Promise<MessagePart> {
  const parser = new PostalMime();
  await parser.parse(raw);
  return toPart((parser as unknown as { root: Node }).root, rootId, ctx);
}

async function toPart(n: Node, partId: string, ctx: Ctx): Promise<MessagePart> {
  const mimeType = n.contentType.parsed.value.toLowerCase();
  const filename = n.contentDisposition.parsed.params.filename ?? n.contentType.parsed.params.name ?? '';
  const headers = n.rawHeaderLines.map(({ line }) => {
    const i = line.indexOf(':');
    return {
      name: line.slice(0, i).trim(),
      value: line
        .slice(i + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    };
  });
  const base = { partId, mimeType, filename, headers };
  if (mimeType.startsWith('multipart/')) {
    const parts = await Promise.all(n.childNodes.map((c, i) => toPart(c, partId === '' ? String(i) : `${partId}.${i}`, ctx)));
    return { ...base, body: { size: 0 }, parts };
  }
  const content = Buffer.from(n.content ?? new ArrayBuffer(0));
  const inlineText = mimeType.startsWith('text/') && !filename && n.contentDisposition.parsed.value.toLowerCase() !== 'attachment';
  if (inlineText && content.length <= ctx.inlineLimit) {
    return { ...base, body: { size: content.length, ...(content.length ? { data: content.toString('base64url') } : {}) } };
  }
  const attachmentId = Buffer.from(`${ctx.messageId}/${partId}`).toString('base64url');
  ctx.attachments.set(attachmentId, content);
  const body = { attachmentId, size: content.length };
  if (mimeType === 'message/rfc822') return { ...base, body, parts: [await partTree(content, `${partId}.0`, ctx)] };
  return { ...base, body };
}
