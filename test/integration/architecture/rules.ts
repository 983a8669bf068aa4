import { dirname, posix } from 'node:path';

/**
 * The boundary rules, each a pure function over a list of source files (and the README's ownership table, the
 * layer list): test/integration/architecture.spec.ts runs them on src and on fixtures that break each one on
 * purpose. A rule returns its violations as readable lines; none means it holds.
 */

export interface SourceFile {
  path: string; // relative to the repository root, forward slashes: src/<module>/…
  text: string;
}

export interface Ownership {
  table: string;
  owner: string;
  writers: string[];
}

export interface Layering {
  layers: Array<{ name: string; folders: string[] }>;
  allowedBackUpImports: Array<[string, string]>;
}

export interface Boundaries {
  ownership: Ownership[];
  layering: Layering;
  /** Files outside src/outbound allowed to import OutboundEventsService today (to be emptied). */
  outboxImporters: readonly string[];
  /** Files that wire every module together and may import every entity. */
  compositionRoots: readonly string[];
}

export type Rule = (files: SourceFile[], b: Boundaries) => string[];

/** First folder under src ('' for src/*.ts). */
export const moduleOf = (path: string): string => {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : '';
};

/** The layer-list name of a file's folder: 'src' for the bootstrap files directly in src/. */
const folderOf = (path: string): string => moduleOf(path) || 'src';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------------------
// Imports

export interface ImportRef {
  from: string;
  target: string; // resolved, relative to the root, without extension (a folder import ends in /index)
  typeOnly: boolean;
}

export function importsOf(file: SourceFile, isFolder: (path: string) => boolean = () => false): ImportRef[] {
  const found: ImportRef[] = [];
  const patterns = [
    /^\s*(?:import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+()['"]([^'"]+)['"]/gm,
    /import\(\s*()['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of file.text.matchAll(pattern)) {
      const spec = m[2];
      if (!spec.startsWith('.')) continue;
      let target = posix.normalize(posix.join(dirname(file.path), spec)).replace(/\.(ts|js)$/, '');
      if (isFolder(target)) target = `${target}/index`;
      found.push({ from: file.path, target, typeOnly: !!m[1] });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL and writes

const STRING_LITERAL = /`(?:[^`\\]|\\.)*`|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g;
/** A statement, in any letter case: prose ("Update your card") does not read as SQL. */
const STATEMENT =
  /\b(select\b[\s\S]*?\bfrom\b|insert\s+into\b|update\s+[\w"${}.]+\s+(?:\w+\s+)?set\b|delete\s+from\b|with\s+\w+\s+as\s*\(|truncate\b)/i;

export function sqlStrings(text: string): string[] {
  return [...text.matchAll(STRING_LITERAL)].map((m) => m[0]).filter((s) => STATEMENT.test(s));
}

const namesTable = (sql: string, table: string): boolean =>
  new RegExp(`\\b${escape(table)}\\b`, 'i').test(sql);

/** Entity class → table, from `@Entity('table') … class X`. */
export function entityTables(files: SourceFile[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const f of files)
    for (const m of f.text.matchAll(
      /@Entity\(\s*['"](\w+)['"][^)]*\)\s*(?:@[^\n]*\n\s*)*export\s+class\s+(\w+)/g,
    ))
      map.set(m[2], m[1].toLowerCase());
  return map;
}

const WRITE_METHODS =
  'save|insert|update|delete|upsert|increment|decrement|remove|softDelete|restore|softRemove';

/**
 * Tables a piece of code writes: SQL statements (any case), query-builder writes (`.update('users')`,
 * `.insert().into(User)`, `.delete().from('users')`), EntityManager/Repository writes naming an entity or a table
 * (`m.insert(User, …)`, `m.update('users', …)`, `getRepository(User).save(…)`, an injected `Repository<User>`
 * written through), and a leased job queue over a table.
 */
export function writtenTables(text: string, tables: string[], entities: Map<string, string>): Set<string> {
  const out = new Set<string>();
  const known = new Set(tables.map((t) => t.toLowerCase()));
  const target = (arg: string): string | undefined => {
    const quoted = /^['"`](\w+)['"`]$/.exec(arg.trim());
    if (quoted) return known.has(quoted[1].toLowerCase()) ? quoted[1].toLowerCase() : undefined;
    return entities.get(arg.trim());
  };
  const add = (t: string | undefined) => t && known.has(t) && out.add(t);
  /** A variable standing for a table or an entity: what its declared type allows ('plans' | 'packages', typeof Plan). */
  const variable = (name: string): string[] => {
    const type = new RegExp(`\\b${name}\\s*:\\s*([^,)=;{]+)`).exec(text)?.[1] ?? '';
    return [
      ...[...type.matchAll(/['"](\w+)['"]/g)].map((m) => m[1].toLowerCase()),
      ...[...type.matchAll(/typeof\s+(\w+)/g)].map((m) => entities.get(m[1]) ?? ''),
    ];
  };
  for (const sql of sqlStrings(text))
    for (const m of sql.matchAll(
      /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+(?:"?(\w+)"?|\$\{\s*(\w+)\s*\})/gi,
    ))
      if (m[1]) add(m[1].toLowerCase());
      else variable(m[2]).forEach(add);
  const ARG = `(['"\`]\\w+['"\`]|[A-Z]\\w*)`;
  for (const m of text.matchAll(new RegExp(`\\.(?:${WRITE_METHODS})\\(\\s*${ARG}\\s*[,)]`, 'g')))
    add(target(m[1]));
  for (const m of text.matchAll(/\.(?:insert|delete)\(\s*\)\s*\.\s*(?:into|from)\(\s*(['"`]\w+['"`]|\w+)/g))
    if (/^[a-z]/.test(m[1])) variable(m[1]).forEach(add);
    else add(target(m[1]));
  for (const m of text.matchAll(
    new RegExp(`getRepository\\(\\s*${ARG}\\s*\\)\\s*\\.(?:${WRITE_METHODS})\\(`, 'g'),
  ))
    add(target(m[1]));
  for (const m of text.matchAll(/(\w+)\s*:\s*Repository<(\w+)>/g))
    if (new RegExp(`this\\.${m[1]}\\s*\\.(?:${WRITE_METHODS})\\(`).test(text)) add(entities.get(m[2]));
  for (const m of text.matchAll(/new\s+LeasedJobs\b[^(]*\(\s*\{[^}]*?\btable:\s*['"`](\w+)['"`]/g))
    add(m[1].toLowerCase());
  return out;
}

interface ClassWrites {
  name: string;
  file: string;
  module: string;
  writes: Set<string>;
}

/**
 * Each class's writes. Code above the first class (a queue or retention target, an exported statement) counts
 * for the classes of the file that use its name, else for the file's first class.
 */
export function classWrites(files: SourceFile[], tables: string[]): ClassWrites[] {
  const entities = entityTables(files);
  const out: ClassWrites[] = [];
  for (const f of files) {
    // Top-level chunks: a declaration starts at column 0 (decorator lines belong to the class below them).
    const starts = [
      ...f.text.matchAll(
        /^(?:@\w+[^\n]*\n)*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(class|const|let|function|interface|type|enum)\s+(\w+)/gm,
      ),
    ];
    const chunks = starts.map((m, i) => ({
      kind: m[1],
      name: m[2],
      body: f.text.slice(m.index, starts[i + 1]?.index ?? f.text.length),
    }));
    const classes = chunks.filter((c) => c.kind === 'class');
    if (classes.length === 0) {
      // A module of functions (a ledger's `post`, say) writes under its path: list it as `src/<module>/<file>.ts`.
      const writes = writtenTables(f.text, tables, entities);
      if (writes.size > 0) out.push({ name: f.path, file: f.path, module: moduleOf(f.path), writes });
      continue;
    }
    const result = classes.map((c) => ({
      name: c.name,
      file: f.path,
      module: moduleOf(f.path),
      writes: writtenTables(c.body, tables, entities),
    }));
    for (const d of chunks.filter((c) => ['const', 'let', 'function'].includes(c.kind))) {
      const written = writtenTables(d.body, tables, entities);
      if (written.size === 0) continue;
      const users = result.filter((_, j) => new RegExp(`\\b${d.name}\\b`).test(classes[j].body));
      for (const c of users.length > 0 ? users : [result[0]]) written.forEach((t) => c.writes.add(t));
    }
    out.push(...result);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The rules

/** Every entity lives in the module that owns its table. */
export const entitiesAtHome: Rule = (files, b) => {
  const ownerOf = new Map(b.ownership.map((o) => [o.table, o.owner]));
  return [...entityTables(files)].flatMap(([entity, table]) => {
    const file = files.find((f) => new RegExp(`export\\s+class\\s+${entity}\\b`).test(f.text))!;
    const owner = ownerOf.get(table);
    return owner === moduleOf(file.path)
      ? []
      : [`${file.path}: entity ${entity} of ${table} (owner ${owner})`];
  });
};

/** A module's SQL names only the tables it owns (names and keywords in any letter case). */
export const sqlStaysHome: Rule = (files, b) =>
  files.flatMap((f) =>
    sqlStrings(f.text).flatMap((sql) =>
      b.ownership
        .filter((o) => o.owner !== moduleOf(f.path) && namesTable(sql, o.table))
        .map((o) => `${f.path}: SQL names ${o.table} (owner ${o.owner})`),
    ),
  );

/**
 * The ownership table is the truth about writers: a class that writes a table is listed as its writer and
 * lives in its owning module; a listed writer exists there and writes it (a read-only class is no writer).
 */
export const writersAreListed: Rule = (files, b) => {
  const tables = b.ownership.map((o) => o.table);
  const classes = classWrites(files, tables);
  const out: string[] = [];
  for (const c of classes)
    for (const table of c.writes) {
      const o = b.ownership.find((x) => x.table === table)!;
      if (o.owner !== c.module) out.push(`${c.file}: ${c.name} writes ${table}, owned by ${o.owner}`);
      else if (!o.writers.includes(c.name))
        out.push(`${c.file}: ${c.name} writes ${table} but is not listed`);
    }
  for (const o of b.ownership) {
    if (o.writers.length === 0) out.push(`${o.table}: no writer listed`);
    for (const writer of o.writers) {
      const c = classes.find((x) => x.name === writer);
      if (!c) out.push(`${o.table}: listed writer ${writer} does not exist`);
      else if (c.module !== o.owner) out.push(`${o.table}: listed writer ${writer} is in ${c.module}`);
      else if (!c.writes.has(o.table)) out.push(`${o.table}: listed writer ${writer} does not write it`);
    }
  }
  return out;
};

/** No module imports another module's entity or repository except as a type, nor looks one up by name. */
export const entitiesStayHome: Rule = (files, b) => [
  ...files
    .filter((f) => !b.compositionRoots.includes(f.path))
    .flatMap((f) => importsOf(f))
    .filter((i) => /\.(entity|repository)$/.test(i.target) && moduleOf(i.target) !== moduleOf(i.from))
    .filter((i) => !i.typeOnly)
    .map((i) => `${i.from} → ${i.target}`),
  ...files
    .filter((f) => /getRepository\(\s*['"`]/.test(f.text))
    .map((f) => `${f.path}: getRepository by name`),
];

/** src/stripe-emulator imports nothing from the rest of src. */
export const emulatorStandsAlone: Rule = (files) =>
  files
    .filter((f) => moduleOf(f.path) === 'stripe-emulator')
    .flatMap((f) => importsOf(f))
    .filter((i) => !i.target.startsWith('src/stripe-emulator/'))
    .map((i) => `${i.from} → ${i.target}`);

/** Handlers subscribe only through @OnStripeEvent, each handler class decorated, one handler per event type. */
export const stripeHandlersOnly: Rule = (files) => {
  const out = files
    .filter((f) => /@OnEvent\(/.test(f.text) && !f.path.endsWith('on-stripe-event.decorator.ts'))
    .map((f) => `${f.path}: bare @OnEvent`);
  for (const f of files.filter(
    (x) => x.path.startsWith('src/webhooks/handlers/') && /\bclass\s/.test(x.text),
  ))
    if (!/@OnStripeEvent\(/.test(f.text)) out.push(`${f.path}: handler without @OnStripeEvent`);
  const types = files.flatMap((f) =>
    [...f.text.matchAll(/@OnStripeEvent\(([^)]*)\)/g)].flatMap((m) =>
      [...m[1].matchAll(/'([\w.]+)'/g)].map((t) => t[1]),
    ),
  );
  out.push(...types.filter((t, i) => types.indexOf(t) !== i).map((t) => `${t}: two handlers`));
  return out;
};

/** No data-access method makes "outside the transaction" a silent default. */
export const noOptionalEntityManager: Rule = (files) =>
  files.flatMap((f) =>
    [
      ...f.text.matchAll(
        /\b\w+\s*(\?\s*:\s*EntityManager\b|:\s*EntityManager\s*=|:\s*EntityManager\s*\|\s*undefined\b)/g,
      ),
    ].map((m) => `${f.path}: ${m[0]}`),
  );

/** Only src/outbound talks to the outbox: facts reach it as events (allow-listed files are today's debt). */
export const outboxStaysInOutbound: Rule = (files, b) =>
  files
    .filter((f) => moduleOf(f.path) !== 'outbound' && !b.outboxImporters.includes(f.path))
    .filter((f) => /\bOutboundEventsService\b/.test(f.text))
    .map((f) => `${f.path}: uses OutboundEventsService`);

/**
 * The layer list holds: a folder imports only folders of lower layers (an allowed back-up import excepted),
 * every folder has a layer, and the folder graph has no cycle.
 */
export const layersHold: Rule = (files, b) => {
  const layerOf = new Map(b.layering.layers.flatMap((l, i) => l.folders.map((f) => [f, i] as const)));
  const allowed = new Set(b.layering.allowedBackUpImports.map(([from, to]) => `${from}>${to}`));
  const isFolder = (p: string) => files.some((f) => f.path.startsWith(`${p}/`));
  const edges = new Map<string, Set<string>>();
  const out: string[] = [];
  for (const f of files.filter((x) => x.path.startsWith('src/'))) {
    const from = folderOf(f.path);
    if (!layerOf.has(from)) out.push(`${f.path}: src/${from} has no layer`);
    for (const i of importsOf(f, isFolder).filter((x) => x.target.startsWith('src/'))) {
      const to = folderOf(i.target);
      if (to === from) continue;
      (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      const [a, z] = [layerOf.get(from), layerOf.get(to)];
      if (a === undefined || z === undefined) continue;
      if (z <= a && !allowed.has(`${from}>${to}`))
        out.push(`${f.path} → ${i.target}: ${z === a ? 'sideways' : 'back up a layer'} (${from} → ${to})`);
    }
  }
  // A cycle can only pass through allowed exceptions (or unlayered folders): look for one all the same.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    state.set(n, 'open');
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open')
        out.push(`folder cycle: ${[...path.slice(path.indexOf(m)), n, m].join(' → ')}`);
      else if (!state.has(m)) visit(m, [...path, n]);
    }
    state.set(n, 'done');
  };
  for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n, []);
  return out;
};

export const RULES = {
  entitiesAtHome,
  sqlStaysHome,
  writersAreListed,
  entitiesStayHome,
  emulatorStandsAlone,
  stripeHandlersOnly,
  noOptionalEntityManager,
  outboxStaysInOutbound,
  layersHold,
} satisfies Record<string, Rule>;
export type RuleName = keyof typeof RULES;
