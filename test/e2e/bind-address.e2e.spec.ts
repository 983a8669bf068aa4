import { readFileSync } from 'node:fs';
import { waitFor } from '../support/test-app';
import { buildDist, spawnApp } from '../support/spawn-app';

/** Listening TCP sockets on `port` from /proc/net/tcp{,6}: local addresses as the kernel reports them (hex). */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => cols[1].split(':')[0]),
  );
}

describe('development binds loopback; DOCS_ENABLED turns Swagger off (spawned dist/src/main.js)', () => {
  beforeAll(() => buildDist(), 120_000);

  it('without HOST a development server listens on 127.0.0.1 only, and DOCS_ENABLED=false hides /docs', async () => {
    const app = spawnApp({ HOST: undefined, DOCS_ENABLED: 'false' });
    try {
      const [, port] = await waitFor(
        () => /listening on http:\/\/localhost:(\d+)\n/.exec(app.stdout()),
        'the banner',
        30_000,
      );
      expect(app.stdout()).not.toContain('bound to');
      expect(app.stdout()).not.toContain('Swagger UI');
      // 0100007F is 127.0.0.1 in /proc/net/tcp; 00000000 (every interface) must not appear.
      expect(listeners(Number(port))).toEqual(['0100007F']);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/docs-json`)).status).toBe(404);
      expect((await fetch(`${base}/docs`)).status).toBe(404);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  });

  it('HOST=0.0.0.0 (what the images set) listens on every interface and the banner says so; Swagger is on by default', async () => {
    const app = spawnApp({ HOST: '0.0.0.0' });
    try {
      const [, port] = await waitFor(
        () => /listening on http:\/\/localhost:(\d+) \(bound to 0\.0\.0\.0/.exec(app.stdout()),
        'the banner',
        30_000,
      );
      expect(listeners(Number(port))).toContain('00000000');
      expect(app.stdout()).toContain('Swagger UI');
      expect((await fetch(`http://127.0.0.1:${port}/docs-json`)).status).toBe(200);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  });
});
