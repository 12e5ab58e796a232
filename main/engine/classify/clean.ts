/** Text cleaning switches applied before tokenisation; each can be turned off. */
export interface CleanOptions {
  /** drop <script>/<style> blocks and tags, decode common entities */
  html: boolean;
  /** replace http(s)/www addresses and e-mail addresses by the word "URL" so their presence stays a feature */
  urls: boolean;
  /** collapse runs of whitespace, trim */
  whitespace: boolean;
  /** Unicode NFKC (full-width letters, ligatures, compatibility forms) */
  unicode: boolean;
}

export const DEFAULT_CLEAN: CleanOptions = { html: true, urls: true, whitespace: true, unicode: true };

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

function stripHtml(text: string): string {
  const noBlocks = text.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
  // a tag name ends at whitespace, "/" or ">", so mail addresses like <user@host> are not tags
  return decodeEntities(noBlocks.replace(/<\/?[a-z][a-z0-9-]*(?:[\s/][^>]*)?>|<![a-z][^>]*>/gi, ' '));
}

const URL_RE = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"']+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/gi;

export function cleanText(text: string, opts: CleanOptions = DEFAULT_CLEAN): string {
  let t = text;
  if (opts.unicode) t = t.normalize('NFKC');
  if (opts.html) t = stripHtml(t);
  if (opts.urls) t = t.replace(URL_RE, ' URL ');
  if (opts.whitespace) t = t.replace(/\s+/g, ' ').trim();
  return t;
}
