// Email HTML is untrusted: DOMPurify drops scripts, event handlers, forms and frames; remote
// content (http/https images, backgrounds) is removed unless the reader asks for it. The
// result is shown in a sandboxed frame without scripts under a CSP that blocks what is left.
import DOMPurify from 'dompurify';

export function sanitizeEmailHtml(html: string, allowRemote: boolean): { html: string; blockedRemote: number } {
  let blockedRemote = 0;
  const purify = DOMPurify();
  purify.addHook('afterSanitizeAttributes', (node) => {
    for (const attr of ['src', 'srcset', 'background', 'poster']) {
      const v = node.getAttribute(attr);
      if (v && /^\s*(https?:)?\/\//i.test(v) && !allowRemote) {
        node.removeAttribute(attr);
        blockedRemote++;
      }
    }
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const clean = purify.sanitize(html, {
    FORBID_TAGS: ['script', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'link', 'meta', 'base', 'style'],
    FORBID_ATTR: ['style'],
    ALLOW_DATA_ATTR: false,
  });
  return { html: clean, blockedRemote };
}

export function emailFrameDoc(cleanHtml: string, allowRemote: boolean): string {
  const img = allowRemote ? 'img-src data: cid: https: http:' : 'img-src data: cid:';
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; ${img}; ` +
    `style-src 'unsafe-inline'"><style>body{font:14px/1.5 system-ui,sans-serif;margin:8px;color:#222;word-wrap:break-word}</style>` +
    `</head><body>${cleanHtml}</body></html>`
  );
}
