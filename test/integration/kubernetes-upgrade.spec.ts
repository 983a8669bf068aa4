import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The README's Kubernetes deploy/upgrade steps, run on the manifests: the kustomization is rendered the way
 * `kubectl apply -k` renders it (resources + the `images` transform), once with the shipped tag and once after the
 * README's `kustomize edit set image`, and the result is checked for what makes an upgrade work.
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'kubernetes');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec: any };
interface Container {
  name: string;
  image: string;
  command?: string[];
  securityContext?: Record<string, unknown>;
}
interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
}

function readKustomization(): { resources: string[]; images: ImageRule[] } {
  return parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
    images: ImageRule[];
  };
}

/** `kustomize edit set image name=repo:tag`: replaces (or adds) that image's rule. */
function setImage(images: ImageRule[], arg: string): ImageRule[] {
  const [, name, repo, tag] = /^([^=]+)=([^:]+(?::\d+\/[^:]+)?):(.+)$/.exec(arg) ?? [];
  if (!name) throw new Error(`cannot read kustomize edit set image ${arg}`);
  return [...images.filter((i) => i.name !== name), { name, newName: repo, newTag: tag }];
}

/** What `kubectl kustomize` outputs for these resources: every container image rewritten by the image rules. */
function render(k: { resources: string[]; images: ImageRule[] }): Doc[] {
  const docs = k.resources.flatMap((f) =>
    parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Doc),
  );
  for (const d of docs) {
    const pod = d.spec?.template?.spec;
    if (!pod) continue;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers] as Container[]) {
      const rule = k.images.find((i) => i.name === c.image.split(':')[0]);
      if (rule) c.image = `${rule.newName ?? rule.name}:${rule.newTag ?? 'latest'}`;
    }
  }
  return docs;
}

/** The fenced block under the README's `kubernetes-upgrade` marker, one command per `&&`-separated step. */
function readmeSteps(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- kubernetes-upgrade:');
  expect(at).toBeGreaterThan(0);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))![1];
  return block
    .trim()
    .split('\n')
    .flatMap((line) => line.split('&&'))
    .map((cmd) => cmd.trim().split(/\s+/));
}

const step = (steps: string[][], ...prefix: string[]) => {
  const found = steps.find((s) => prefix.every((p, i) => s[i] === p));
  expect([prefix.join(' '), found !== undefined]).toEqual([prefix.join(' '), true]);
  return found!;
};

describe('Kubernetes upgrade (the README steps, on the rendered manifests)', () => {
  const steps = readmeSteps();
  const built = step(steps, 'docker', 'build', '-t')[3];
  const pushed = step(steps, 'docker', 'push')[2];
  const setImageArg = step(steps, 'kustomize', 'edit', 'set', 'image')[4];
  const applied = step(steps, 'kubectl', 'apply', '-k')[3];
  const rollout = step(steps, 'kubectl', 'rollout', 'status')[3];

  const before = render(readKustomization());
  const after = render({ ...readKustomization(), images: setImage(readKustomization().images, setImageArg) });
  const deploymentOf = (docs: Doc[]) => docs.find((d) => d.kind === 'Deployment')!;
  const pod = deploymentOf(after).spec.template.spec;

  it('pushes the image it builds, points the kustomization at it, applies that kustomization, waits on the Deployment', () => {
    expect(pushed).toBe(built);
    expect(setImageArg.split('=')[1]).toBe(built);
    expect(join(ROOT, applied)).toBe(DIR);
    expect(rollout).toBe(`deployment/${deploymentOf(after).metadata.name}`);
  });

  it('the new release changes the pod template (a rollout), and every container runs the pushed image', () => {
    const images = [...pod.initContainers, ...pod.containers].map((c: Container) => c.image);
    expect(new Set(images)).toEqual(new Set([built]));
    expect(JSON.stringify(deploymentOf(before).spec.template)).not.toBe(
      JSON.stringify(deploymentOf(after).spec.template),
    );
  });

  it('nothing rendered has an immutable pod template under a fixed name (a re-apply never fails)', () => {
    // A Job's template is immutable: a fixed-name Job re-applied with a new image is refused for its TTL.
    expect(
      after.filter((d) => ['Job', 'CronJob', 'Pod'].includes(d.kind)).map((d) => d.metadata.name),
    ).toEqual([]);
  });

  it('each new pod migrates before its app starts, and old pods keep serving meanwhile', () => {
    const [migrate, ...others] = pod.initContainers as Container[];
    expect(others).toEqual([]);
    // Init containers run to completion, in order, before any app container starts.
    expect(migrate.command).toEqual(['node', 'dist/src/cli/migrate.js', 'run']);
    expect(existsSync(join(ROOT, 'src', 'cli', 'migrate.ts'))).toBe(true);
    expect(readFileSync(join(ROOT, 'src', 'cli', 'migrate.ts'), 'utf8')).toContain('runMigrationsLocked');
    // The app container does not migrate by itself (it refuses a database with pending migrations).
    const app = pod.containers[0] as Container & { env: Array<{ name: string }> };
    expect(app.env.map((e) => e.name)).not.toContain('DB_MIGRATE_ON_START');
    // Old pods are removed only once new ones are ready.
    expect(deploymentOf(after).spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const tmpfs = new Set((pod.volumes as Array<{ name: string }>).map((v) => v.name));
    for (const m of (migrate as unknown as { volumeMounts: Array<{ name: string }> }).volumeMounts)
      expect(tmpfs.has(m.name)).toBe(true);
  });

  it('every pod is Pod Security "restricted": non-root, RuntimeDefault seccomp, no escalation, no capabilities', () => {
    for (const d of after.filter((x) => x.spec?.template?.spec)) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.hostNetwork ?? false).toBe(false);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers] as Container[]) {
        expect([c.name, c.securityContext]).toEqual([
          c.name,
          expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }),
        ]);
        expect(c.securityContext?.privileged ?? false).toBe(false);
      }
    }
  });
});
