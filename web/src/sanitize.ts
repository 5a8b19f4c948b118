// Email HTML is untrusted: DOMPurify drops scripts, event handlers, forms and frames; remote
// content is removed unless the reader asks for it, and counted ("N remote images blocked")
// in every form mail uses to load it: src, srcset, background, poster, SVG <image>/<use>/
// <feImage> href and xlink:href, CSS url() in style attributes and <style>, <link>, <object>,
// <embed>. The result is shown in a sandboxed frame without scripts under a CSP that blocks
// whatever is left. A relative reference would resolve against the app's own origin in the
// frame: it is removed too, but not counted (it is no remote image the reader could ask for).
import DOMPurify from 'dompurify';

/** A reference that loads from elsewhere: any scheme but data:/cid:, or protocol-relative (browsers read \\ as /). */
function isRemote(ref: string): boolean {
  const v = ref.trim();
  return /^([a-z][a-z0-9+.-]*:|[\\/]{2})/i.test(v) && !/^(data|cid):/i.test(v);
}

/** A relative reference: it would resolve against the app's own origin, so it is removed (not counted: no remote image). */
function isRelative(ref: string): boolean {
  const v = ref.trim();
  return v !== '' && !v.startsWith('#') && !isRemote(v) && !/^(data|cid):/i.test(v);
}

/** Each URL of a srcset ("a.png 1x, b.png 2x"). */
function srcsetUrls(v: string): string[] {
  return v
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** url(...) and @import "..." targets in CSS text. */
function cssUrls(css: string): string[] {
  const out: string[] = [];
  for (const m of css.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3/gi)) out.push(m[2] ?? m[4] ?? '');
  // CSS escapes (u\72l, \75rl) could spell url( another way: any backslash counts as a reference.
  if (/\\/.test(css) && out.length === 0) out.push('escaped');
  return out;
}

/** Attributes that load what they name (href only off links: on SVG image/use/feImage it loads). */
const LOADING_ATTRS = ['src', 'srcset', 'background', 'poster', 'href', 'xlink:href', 'data', 'codebase', 'lowsrc', 'dynsrc'];
/** Remote images the reader may choose to see; the rest (use, feImage, objects…) stay blocked. */
const IMAGE_ATTRS = new Set(['src', 'srcset', 'background', 'poster']);
/** Elements removed whatever they hold; a remote reference in one still counts as blocked. */
const FORBID_TAGS = ['script', 'iframe', 'frame', 'object', 'embed', 'applet', 'form', 'input', 'button', 'link', 'meta', 'base', 'style'];

export function sanitizeEmailHtml(html: string, allowRemote: boolean): { html: string; blockedRemote: number } {
  let blockedRemote = 0;
  const purify = DOMPurify();
  const refsOf = (name: string, value: string): string[] => (name === 'srcset' ? srcsetUrls(value) : [value]);

  purify.addHook('uponSanitizeElement', (node, data) => {
    if (!(node instanceof Element)) return;
    const tag = data.tagName.toLowerCase();
    if (!FORBID_TAGS.includes(tag) && data.allowedTags[tag]) return;
    // The element goes (forbidden, or unknown to DOMPurify like SVG <use>): count what it would have loaded.
    if (tag === 'style') blockedRemote += cssUrls(node.textContent ?? '').filter(isRemote).length;
    for (const a of Array.from(node.attributes))
      if (LOADING_ATTRS.includes(a.name.toLowerCase()) && refsOf(a.name.toLowerCase(), a.value).some(isRemote)) blockedRemote++;
  });
  purify.addHook('uponSanitizeAttribute', (_node, data) => {
    // style attributes are dropped (FORBID_ATTR); their url()s count.
    if (data.attrName.toLowerCase() === 'style') blockedRemote += cssUrls(data.attrValue).filter(isRemote).length;
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    const isLink = node.nodeName.toLowerCase() === 'a' || node.nodeName.toLowerCase() === 'area';
    for (const attr of Array.from(node.attributes)) {
      const name = attr.name.toLowerCase();
      if (!LOADING_ATTRS.includes(name) || (isLink && (name === 'href' || name === 'xlink:href'))) continue;
      const refs = refsOf(name, attr.value);
      if (!refs.some(isRemote)) {
        if (refs.some(isRelative)) node.removeAttribute(attr.name);
        continue;
      }
      const image = IMAGE_ATTRS.has(name) || (node.nodeName.toLowerCase() === 'image' && /href$/.test(name));
      if (allowRemote && image && refsOf(name, attr.value).every((r) => /^\s*(https?:)?\/\//i.test(r))) continue;
      node.removeAttribute(attr.name);
      blockedRemote++;
    }
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const clean = purify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR: ['style'],
    ALLOW_DATA_ATTR: false,
    // Keeps a leading <style>/<link> in the body, where the hooks see (and count) it, instead
    // of the parser moving it to a <head> that is dropped unseen.
    FORCE_BODY: true,
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
