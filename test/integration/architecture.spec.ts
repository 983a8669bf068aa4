import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { FIXTURES } from './architecture/fixtures';
import { RULES, type Boundaries, type Layering, type Ownership, type SourceFile } from './architecture/rules';

/**
 * Module boundaries the compiler cannot see (CONVENTIONS: one owner per table; rules that can be broken on
 * purpose). The README's table → owner map and the layer list are held against src by the pure rules of
 * ./architecture/rules.ts, and each rule must reject its deliberate breaks in ./architecture/fixtures.ts, so a
 * weakened rule turns this spec red.
 */

/**
 * Files outside src/outbound allowed to use OutboundEventsService: none. Facts reach the outbox as typed events
 * (src/common/facts) through outbound's reactions; keep this list empty.
 */
export const OUTBOX_IMPORTERS_TO_REMOVE: readonly string[] = [];

/** Composition roots: they wire every module together, so they may import every entity. */
const COMPOSITION_ROOTS = ['src/database/entities.ts'];

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const sources: SourceFile[] = walk(SRC)
  .filter((f) => !f.endsWith('.spec.ts'))
  .map((full) => ({ path: relative(ROOT, full).split(sep).join('/'), text: readFileSync(full, 'utf8') }));

/** The README's "Table ownership" table: | `table` | `owner` | `Writer`, `Writer` | */
function readOwnership(): Ownership[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Table ownership')[1]?.split('\n### ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => line.split('|').slice(1, -1))
    .map(([table, owner, writers]) => ({
      table: table.replace(/`/g, '').trim(),
      owner: owner.replace(/`/g, '').trim(),
      writers: [...writers.matchAll(/`([\w./-]+)`/g)].map((m) => m[1]),
    }));
}

const layering = JSON.parse(readFileSync(join(ROOT, '.dependency-cruiser-layers.json'), 'utf8')) as Layering;

const boundaries: Boundaries = {
  ownership: readOwnership(),
  layering,
  outboxImporters: OUTBOX_IMPORTERS_TO_REMOVE,
  compositionRoots: COMPOSITION_ROOTS,
};

const migrationTables = (): string[] => {
  const dir = join(ROOT, 'migrations');
  const text = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return [...new Set([...text.matchAll(/CREATE TABLE (\w+)/gi)].map((m) => m[1].toLowerCase()))].sort();
};

describe('architecture', () => {
  it('the README ownership table lists every table the migrations create, each owned by an existing module', () => {
    expect(boundaries.ownership.length).toBeGreaterThan(0);
    expect(boundaries.ownership.map((o) => o.table).sort()).toEqual(migrationTables());
    const modules = new Set(readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory()));
    expect(boundaries.ownership.filter((o) => !modules.has(o.owner))).toEqual([]);
  });

  it('the layer list names every folder of src once, and README draws it', () => {
    const folders = layering.layers.flatMap((l) => l.folders);
    const modules = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());
    expect([...folders].sort()).toEqual(['src', ...modules].sort());
    const readme =
      readFileSync(join(ROOT, 'README.md'), 'utf8').split('### Layers')[1]?.split('\n### ')[0] ?? '';
    for (const folder of folders.filter((f) => f !== 'src'))
      expect({ folder, drawn: readme.includes(folder) }).toEqual({ folder, drawn: true });
  });

  it('the allow-list of outbox importers holds only files that still import it (empty it as they go)', () => {
    for (const path of OUTBOX_IMPORTERS_TO_REMOVE) {
      const file = sources.find((f) => f.path === path);
      expect({ path, stillImports: !!file && /\bOutboundEventsService\b/.test(file.text) }).toEqual({
        path,
        stillImports: true,
      });
    }
  });

  describe.each(Object.entries(RULES))('%s', (name, rule) => {
    it('holds on src', () => {
      expect(rule(sources, boundaries)).toEqual([]);
    });

    const breaks = FIXTURES.filter((f) => f.rule === name);
    it('has deliberate breaks to reject', () => {
      expect(breaks.length).toBeGreaterThan(0);
    });

    it.each(breaks.map((f) => [f.name, f] as const))('rejects the break: %s', (_, fixture) => {
      const found = rule(fixture.files, { ...fixture.boundaries });
      expect(found.filter((v) => fixture.expect.test(v))).not.toEqual([]);
    });
  });

  it('a tree that keeps every rule passes them all (the fixtures fail for their break, not for their shape)', () => {
    const clean = FIXTURES.find((f) => f.rule === 'none')!;
    for (const [name, rule] of Object.entries(RULES))
      expect({ name, found: rule(clean.files, clean.boundaries) }).toEqual({ name, found: [] });
  });

  it('keeps at least 14 deliberate breaks', () => {
    expect(FIXTURES.filter((f) => f.rule !== 'none').length).toBeGreaterThanOrEqual(14);
  });
});
