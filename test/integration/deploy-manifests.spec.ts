import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadShutdownConfig } from '../../src/config/shutdown.config';

const ROOT = join(__dirname, '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

/** Every variable the app's typed config reads (`str(env, 'NAME'` …), the standalone emulator's, and NODE_ENV. */
function knownEnv(): Set<string> {
  const names = new Set(['NODE_ENV']);
  const sources = [
    ...readdirSync(join(ROOT, 'src', 'config'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
      .map((f) => read('src', 'config', f)),
    read('src', 'stripe-emulator', 'cli.ts'),
  ];
  for (const text of sources) {
    for (const m of text.matchAll(/\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]);
    for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]);
  }
  return names;
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] };
  restart?: string;
  volumes?: string[];
}
type K8s = { kind: string; metadata: { name: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const HEALTH = read('src', 'health', 'health.controller.ts');
const routeExists = (path: string) => {
  const [, base, leaf] = /^\/(\w+)\/(\w+)$/.exec(path) ?? [];
  return HEALTH.includes(`@Controller('${base}')`) && HEALTH.includes(`@Get('${leaf}')`);
};

describe('deployment files match the app', () => {
  const env = knownEnv();

  describe('docker-compose.yml', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
    const s = compose.services;

    it('builds one image once, and every Tollgate service runs it', () => {
      const builders = Object.entries(s).filter(([, v]) => v.build !== undefined);
      expect(builders.map(([k]) => k)).toEqual(['app-image']);
      for (const name of ['migrate', 'app', 'stripe-emulator'])
        expect(s[name].image).toBe(builders[0][1].image);
    });

    it('keeps PostgreSQL unpublished, has Redis, and migrates once before the app', () => {
      expect(s.postgres.ports).toBeUndefined();
      expect(s.redis.image).toMatch(/^redis:/);
      expect(s.migrate.command).toEqual(['npm', 'run', 'migration:run']);
      expect(s.app.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(s.app.environment?.REDIS_URL).toBe('redis://redis:6379');
    });

    it('publishes the app on its PORT and probes /health/ready', () => {
      const port = String(s.app.environment?.PORT);
      expect(s.app.ports).toContain(`${port}:${port}`);
      expect(JSON.stringify(s.app)).toContain(`127.0.0.1:${port}/health/ready`);
      expect(routeExists('/health/ready')).toBe(true);
    });

    it('the emulator profile is reachable from the host browser and delivers to the app', () => {
      const emu = s['stripe-emulator'];
      expect(emu.profiles).toEqual(['emulator']);
      const e = emu.environment!;
      expect(e.STRIPE_EMULATOR_HOST).toBe('0.0.0.0');
      expect(emu.ports).toContain(`${e.STRIPE_EMULATOR_PORT}:${e.STRIPE_EMULATOR_PORT}`);
      expect(e.STRIPE_EMULATOR_PUBLIC_URL).toBe(`http://localhost:${e.STRIPE_EMULATOR_PORT}`);
      expect(e.WEBHOOK_URL).toBe(`http://app:${s.app.environment?.PORT}/payments/webhook`);
      expect(e.WEBHOOK_SECRET).toBe(s.app.environment?.WEBHOOK_SECRET); // the app verifies what it signs
      expect(e.NODE_ENV).not.toBe('production');
    });

    it('the emulator has its own healthcheck on its port, and the app waits for it when the profile is on', () => {
      const emu = s['stripe-emulator'];
      const probe = emu.healthcheck!.test.join(' ');
      expect(probe).toContain(`127.0.0.1:${emu.environment!.STRIPE_EMULATOR_PORT}/`);
      expect(probe).not.toContain(':8000');
      expect(s.app.depends_on?.['stripe-emulator']).toEqual({
        condition: 'service_healthy',
        required: false,
      });
      // `required` in depends_on and env_file needs Compose 2.24; the file says so.
      expect(read('docker-compose.yml')).toMatch(/Docker Compose v2\.24 or newer/);
    });

    it('never runs the built-in emulator in the app container, restarts, and keeps /app/.data in volumes', () => {
      expect(s.app.environment?.STRIPE_EMULATOR_BUILTIN).toBe('false');
      for (const name of ['app', 'stripe-emulator']) {
        expect([name, s[name].restart]).toEqual([name, 'unless-stopped']);
        expect(s[name].volumes?.some((v) => v.endsWith(':/app/.data'))).toBe(true);
      }
    });

    it('sets only variables the app reads', () => {
      for (const [name, svc] of Object.entries(s)) {
        if (!svc.image?.startsWith('tollgate')) continue;
        for (const key of Object.keys(svc.environment ?? {}))
          expect([name, key, env.has(key)]).toEqual([name, key, true]);
      }
    });
  });

  describe('deploy/kubernetes', () => {
    const dir = join(ROOT, 'deploy', 'kubernetes');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as K8s));
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
    const [deployment] = byKind('Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const envOf = (c: { env: Array<{ name: string; value?: string; valueFrom?: unknown }> }) =>
      new Map(c.env.map((e) => [e.name, e]));

    it('has a Deployment, a Service and a PodDisruptionBudget, and no Job (migrations are an init container)', () => {
      expect(
        ['Deployment', 'Job', 'Service', 'PodDisruptionBudget', 'Secret', 'ServiceMonitor'].map(
          (k) => byKind(k).length,
        ),
      ).toEqual([1, 0, 2, 1, 1, 1]);
      const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
        resources: string[];
      };
      expect(kustomization.resources).not.toContain('secret.example.yaml');
      expect(kustomization.resources).not.toContain('servicemonitor.example.yaml');
    });

    it('Prometheus scrapes METRICS_PORT (annotations and the ServiceMonitor), which the public Service never exposes', () => {
      const metricsPort = (container.ports as Array<{ name: string; containerPort: number }>).find(
        (p) => p.name === 'metrics',
      )!;
      expect(envOf(container).get('METRICS_PORT')?.value).toBe(String(metricsPort.containerPort));
      expect(envOf(container).get('HOST')?.value).toBe('0.0.0.0');
      const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
      expect(annotations['prometheus.io/port']).toBe(String(metricsPort.containerPort));
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      const service = (name: string) => byKind('Service').find((d) => d.metadata.name === name)!;
      const targets = (svc: K8s) =>
        (svc.spec.ports as Array<{ targetPort: string | number }>).map((p) => p.targetPort);
      expect(targets(service('tollgate'))).not.toContain('metrics');
      expect(targets(service('tollgate'))).not.toContain(metricsPort.containerPort);
      const metricsService = service('tollgate-metrics');
      expect(targets(metricsService)).toEqual(['metrics']);
      const [monitor] = byKind('ServiceMonitor');
      const labels = (metricsService as unknown as { metadata: { labels: Record<string, string> } }).metadata
        .labels;
      for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>))
        expect(labels[k]).toBe(v);
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    });

    it('probes the right endpoints on the container port the app listens on', () => {
      const port = container.ports[0];
      expect(envOf(container).get('PORT')?.value).toBe(String(port.containerPort));
      expect(container.startupProbe.httpGet.path).toBe('/health/live');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(container[p].httpGet.port).toBe(port.name);
        expect(routeExists(container[p].httpGet.path as string)).toBe(true);
      }
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
    });

    it('takes secrets from a Secret and sets only variables the app reads', () => {
      const e = envOf(container);
      for (const secret of [
        'DATABASE_URL',
        'STRIPE_SECRET_KEY',
        'WEBHOOK_SECRET',
        'JWT_SECRET',
        'METRICS_TOKEN',
      ]) {
        expect([secret, e.get(secret)?.valueFrom]).toEqual([
          secret,
          { secretKeyRef: { name: 'tollgate-secrets', key: secret } },
        ]);
      }
      const migrate = pod.initContainers[0];
      for (const c of [container, migrate])
        for (const key of envOf(c).keys()) expect([key, env.has(key)]).toEqual([key, true]);
      expect(envOf(migrate).get('DATABASE_URL')?.valueFrom).toEqual(
        envOf(container).get('DATABASE_URL')?.valueFrom,
      );
    });

    it('gives the drain time to finish: grace period > SHUTDOWN_TIMEOUT_MS > SHUTDOWN_DELAY_MS', () => {
      const e = envOf(container);
      const cfg = loadShutdownConfig({
        NODE_ENV: 'production',
        SHUTDOWN_DELAY_MS: e.get('SHUTDOWN_DELAY_MS')?.value,
        SHUTDOWN_TIMEOUT_MS: e.get('SHUTDOWN_TIMEOUT_MS')?.value,
      });
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(cfg.timeoutMs);
      expect(cfg.timeoutMs).toBeGreaterThan(cfg.delayMs);
    });

    it('Service and PodDisruptionBudget select the Deployment pods', () => {
      const labels = deployment.spec.template.metadata.labels as Record<string, string>;
      const service = byKind('Service').find((d) => d.metadata.name === 'tollgate')!;
      const [pdb] = byKind('PodDisruptionBudget');
      for (const selector of [service.spec.selector, pdb.spec.selector.matchLabels] as Array<
        Record<string, string>
      >) {
        for (const [k, v] of Object.entries(selector)) expect(labels[k]).toBe(v);
      }
      expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
      expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    });
  });

  it('.dockerignore keeps local state, secrets and builds out of the image context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.data', '.env', '.git']) expect(ignored).toContain(entry);
  });
});
