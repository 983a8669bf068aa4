import { addressRefusal, safeLookup, urlRefusal } from './url-safety';

const dev = { production: false, allowPrivate: false };
const prod = { production: true, allowPrivate: false };

describe('webhook URL safety (SSRF)', () => {
  it('allows https to public hosts, and http only to loopback outside production', () => {
    expect(urlRefusal('https://hooks.example.com/x', prod)).toBeNull();
    expect(urlRefusal('http://127.0.0.1:4000/x', dev)).toBeNull();
    expect(urlRefusal('http://localhost:4000/x', dev)).toBeNull();
    expect(urlRefusal('http://hooks.example.com/x', dev)).toMatch(/https is required/);
    expect(urlRefusal('http://127.0.0.1:4000/x', prod)).toMatch(/https is required/);
    expect(urlRefusal('ftp://hooks.example.com/x', dev)).toMatch(/scheme/);
    expect(urlRefusal('https://user:pw@hooks.example.com/x', dev)).toMatch(/credentials/);
    expect(urlRefusal('not a url', dev)).toMatch(/absolute/);
  });

  it('refuses private, link-local and (in production) loopback addresses unless allowed', () => {
    for (const url of [
      'https://10.1.2.3/x',
      'https://192.168.0.10/x',
      'https://172.20.0.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[fe80::1]/x',
      'https://[fd00::1]/x',
      'https://0.0.0.0/x',
    ])
      expect({ url, why: urlRefusal(url, dev) }).toEqual({ url, why: expect.stringMatching(/private/) });
    expect(urlRefusal('https://127.0.0.1/x', prod)).toMatch(/loopback/);
    expect(addressRefusal('::ffff:10.0.0.1', dev)).toMatch(/private/);
    expect(urlRefusal('https://10.1.2.3/x', { production: true, allowPrivate: true })).toBeNull();
    expect(addressRefusal('93.184.216.34', prod)).toBeNull();
  });

  it('checks the resolved address at connect time (a name pointing inside is refused)', async () => {
    const lookup = safeLookup(prod);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe('EREFUSEDADDRESS');
    const ok = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      safeLookup(dev)('localhost', {}, (e) => resolve(e)),
    );
    expect(ok).toBeNull();
  });
});
