// Where a WhatsApp media file may be fetched from. A media message's `url` and `directPath`
// are written by the sender's own client and WhatsApp's servers never check them (the
// content is end-to-end encrypted), so a stranger can point them at any host, port or
// scheme: an internal service, a loopback port, a slow server that holds the download.
// The rule lives here, once: a message's `url` is used only when its origin is one of
// WhatsApp's media hosts over https on the default port; otherwise the `directPath` is
// fetched from WhatsApp's default media host (as WhatsApp's own clients do); a message
// with neither is refused. Redirects are held to the same rule (media-download.ts).

/** WhatsApp's media hosts: the first one is where a directPath is fetched from. */
export const WHATSAPP_MEDIA_ORIGINS: readonly string[] = ['https://mmg.whatsapp.net', 'https://*.whatsapp.net'];

/** Whether `url` is on one of `origins` (exact origins, or `scheme://*.suffix` for a domain's hosts). */
export function originAllowed(url: URL, origins: readonly string[]): boolean {
  if (url.username || url.password) return false;
  return origins.some((pattern) => {
    const wildcard = /^([a-z]+:)\/\/\*\.(.+)$/.exec(pattern);
    if (!wildcard) return url.origin === new URL(pattern).origin;
    const [, protocol, suffix] = wildcard;
    return url.protocol === protocol && url.port === '' && url.hostname.endsWith(`.${suffix}`);
  });
}

/** The URL to fetch a message's media from, or undefined when neither field leads to a media host. */
export function mediaUrl(fields: { url?: string | null; directPath?: string | null }, origins: readonly string[]): URL | undefined {
  const own = parse(fields.url);
  if (own && originAllowed(own, origins)) return own;
  const path = fields.directPath;
  // A path only: "//host/…" or "\\host" would leave the media host when resolved.
  if (!path || !path.startsWith('/') || path.startsWith('//') || /[\\\s@]/.test(path)) return undefined;
  const built = parse(`${new URL(origins[0]).origin}${path}`);
  return built && originAllowed(built, origins) ? built : undefined;
}

function parse(text: string | null | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
