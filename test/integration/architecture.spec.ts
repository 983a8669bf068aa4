import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Module boundaries the import graph cannot see (CONVENTIONS §14): the README's table → owner map is parsed
 * and held against the code. A module's SQL names only its own tables; a module imports another module's
 * entity only as a type (never to build a repository); src/stripe-emulator imports nothing from the rest of
 * src; handlers subscribe only through @OnStripeEvent; no data-access method defaults its EntityManager.
 */
const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

/** Composition roots: they wire every module together, so they may import every entity. */
const COMPOSITION_ROOTS = ['src/database/entities.ts'];

interface SourceFile {
  path: string; // relative to ROOT, with forward slashes
  module: string; // first folder under src ('' for src/*.ts)
  text: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const rel = (full: string): string => relative(ROOT, full).split(sep).join('/');
const moduleOf = (path: string): string => {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : '';
};

const sources: SourceFile[] = walk(SRC)
  .filter((f) => !f.endsWith('.spec.ts'))
  .map((full) => ({ path: rel(full), module: moduleOf(rel(full)), text: readFileSync(full, 'utf8') }));

interface Ownership {
  table: string;
  owner: string;
  writers: string[];
}

/** The README's "Table ownership" table: | `table` | `owner` | `Writer`, `Writer` | */
function readOwnership(): Ownership[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Table ownership')[1]?.split('\n### ')[0] ?? '';
  const rows = section
    .split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => line.split('|').slice(1, -1));
  return rows.map(([table, owner, writers]) => ({
    table: table.replace(/`/g, '').trim(),
    owner: owner.replace(/`/g, '').trim(),
    writers: [...writers.matchAll(/`(\w+)`/g)].map((m) => m[1]),
  }));
}

const ownership = readOwnership();
const ownerOf = new Map(ownership.map((o) => [o.table, o.owner]));

interface ImportRef {
  file: SourceFile;
  target: string; // resolved, relative to ROOT, without extension
  typeOnly: boolean;
}

function importsOf(file: SourceFile): ImportRef[] {
  const found: ImportRef[] = [];
  const patterns = [
    /^\s*(import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+()()['"]([^'"]+)['"]/gm,
    /import\(\s*()()['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of file.text.matchAll(pattern)) {
      const spec = m[3];
      if (!spec.startsWith('.')) continue;
      const target = rel(resolve(ROOT, dirname(file.path), spec)).replace(/\.(ts|js)$/, '');
      found.push({ file, target, typeOnly: m[2] !== undefined && m[2] !== '' });
    }
  }
  return found;
}

/** String literals that read as SQL statements. */
function sqlStrings(text: string): string[] {
  const literals = [...text.matchAll(/`(?:[^`\\]|\\.)*`|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g)].map(
    (m) => m[0],
  );
  return literals.filter((s) => /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH)\b/.test(s));
}

const migrationTables = (): string[] => {
  const dir = join(ROOT, 'migrations');
  const text = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return [...new Set([...text.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]))].sort();
};

describe('architecture', () => {
  it('the README ownership table lists every table the migrations create, each owned by an existing module', () => {
    expect(ownership.length).toBeGreaterThan(0);
    expect(ownership.map((o) => o.table).sort()).toEqual(migrationTables());
    const modules = new Set(readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory()));
    for (const o of ownership)
      expect({ table: o.table, ownerExists: modules.has(o.owner) }).toEqual({
        table: o.table,
        ownerExists: true,
      });
  });

  it("each table's writers are services of its owning module that write it", () => {
    for (const o of ownership) {
      expect(o.writers.length).toBeGreaterThan(0);
      for (const writer of o.writers) {
        const file = sources.find((f) => new RegExp(`export class ${writer}\\b`).test(f.text));
        const entity = sources
          .filter((f) => f.path.endsWith('.entity.ts'))
          .map((f) =>
            new RegExp(`@Entity\\('${o.table}'\\)\\s*(?:@[^\\n]*\\n\\s*)*export class (\\w+)`).exec(f.text),
          )
          .find(Boolean)?.[1];
        const writes =
          !!file &&
          (sqlStrings(file.text).some((sql) => new RegExp(`\\b${o.table}\\b`).test(sql)) ||
            (entity !== undefined && new RegExp(`\\b${entity}\\b`).test(file.text)));
        expect({ table: o.table, writer, module: file?.module, writes }).toEqual({
          table: o.table,
          writer,
          module: o.owner,
          writes: true,
        });
      }
    }
  });

  it('every entity lives in the module that owns its table', () => {
    const misplaced = sources.flatMap((f) =>
      [...f.text.matchAll(/@Entity\('(\w+)'\)/g)]
        .map((m) => ({ file: f.path, table: m[1], module: f.module, owner: ownerOf.get(m[1]) }))
        .filter((e) => e.owner !== e.module),
    );
    expect(misplaced).toEqual([]);
  });

  it("a module's SQL names only the tables it owns", () => {
    const tables = ownership.map((o) => o.table);
    const foreign = sources.flatMap((f) =>
      sqlStrings(f.text).flatMap((sql) =>
        tables
          .filter((t) => new RegExp(`\\b${t}\\b`).test(sql) && ownerOf.get(t) !== f.module)
          .map((table) => ({ file: f.path, module: f.module, table, owner: ownerOf.get(table) })),
      ),
    );
    expect(foreign).toEqual([]);
  });

  it("no module imports another module's entity or repository except as a type", () => {
    const crossing = sources
      .filter((f) => !COMPOSITION_ROOTS.includes(f.path))
      .flatMap(importsOf)
      .filter(({ file, target }) => /\.(entity|repository)$/.test(target) && moduleOf(target) !== file.module)
      .filter(({ typeOnly }) => !typeOnly)
      .map(({ file, target }) => `${file.path} → ${target}`);
    expect(crossing).toEqual([]);
    // Nor by name: a repository looked up by an entity's string name would slip past the import check.
    const byName = sources.filter((f) => /getRepository\(\s*['"`]/.test(f.text)).map((f) => f.path);
    expect(byName).toEqual([]);
  });

  it('src/stripe-emulator imports nothing from the rest of src', () => {
    const leaks = sources
      .filter((f) => f.module === 'stripe-emulator')
      .flatMap(importsOf)
      .filter(({ target }) => !target.startsWith('src/stripe-emulator/'))
      .map(({ file, target }) => `${file.path} → ${target}`);
    expect(leaks).toEqual([]);
  });

  it('handlers subscribe only through @OnStripeEvent, one handler per event type', () => {
    const bare = sources
      .filter((f) => /@OnEvent\(/.test(f.text) && !f.path.endsWith('on-stripe-event.decorator.ts'))
      .map((f) => f.path);
    expect(bare).toEqual([]);
    const handlerFiles = sources.filter(
      (f) => f.path.startsWith('src/webhooks/handlers/') && /class /.test(f.text),
    );
    expect(handlerFiles.length).toBeGreaterThan(0);
    for (const f of handlerFiles)
      expect({ file: f.path, decorated: /@OnStripeEvent\(/.test(f.text) }).toEqual({
        file: f.path,
        decorated: true,
      });
    const types = sources.flatMap((f) =>
      [...f.text.matchAll(/@OnStripeEvent\(([^)]*)\)/g)].flatMap((m) =>
        [...m[1].matchAll(/'([\w.]+)'/g)].map((t) => t[1]),
      ),
    );
    expect(types.filter((t, i) => types.indexOf(t) !== i)).toEqual([]);
  });

  it('no data-access method makes "outside the transaction" a silent default', () => {
    const defaults = sources.flatMap((f) =>
      [
        ...f.text.matchAll(
          /\b\w+\s*(\?\s*:\s*EntityManager\b|:\s*EntityManager\s*=|:\s*EntityManager\s*\|\s*undefined)/g,
        ),
      ].map((m) => `${f.path}: ${m[0]}`),
    );
    expect(defaults).toEqual([]);
  });
});
