/** Split an emulator URL into the `host`/`port`/`protocol` options of `new Stripe(key, {...})`. */
export function parseStripeApiUrl(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const u = new URL(url);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 80;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}
