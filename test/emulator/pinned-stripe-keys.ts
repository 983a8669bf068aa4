import { join } from 'node:path';
import ts from 'typescript';

export interface TypeKeys {
  /** Keys the pinned type declares without `?` (null may still be their value). */
  required: string[];
  /** Every key it declares. */
  all: string[];
}

export interface ResourceKeys extends TypeKeys {
  /** One level down: for each key whose value is a (non-expandable, non-list) object, its own keys. */
  nested: Record<string, TypeKeys>;
}

const ROOT = join(__dirname, '..', '..');
const PROBE = join(ROOT, 'test', 'emulator', '__pinned_stripe_types__.ts');

/**
 * The keys of Stripe resource types as the installed (pinned) stripe SDK declares them, read with the TypeScript
 * compiler from node_modules/stripe's own declarations. `typeNames` are paths under the Stripe namespace
 * (`Customer`, `Checkout.Session`).
 */
export function pinnedStripeKeys(typeNames: string[]): Record<string, ResourceKeys> {
  const source =
    `import Stripe from 'stripe';\n` + typeNames.map((n, i) => `export type T${i} = Stripe.${n};`).join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    file === PROBE ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === PROBE || fileExists(file);
  const program = ts.createProgram([PROBE], options, host);
  const checker = program.getTypeChecker();
  const probe = program.getSourceFile(PROBE)!;
  const out: Record<string, ResourceKeys> = {};
  const aliases = probe.statements.filter(ts.isTypeAliasDeclaration);
  aliases.forEach((alias, i) => {
    const type = checker.getTypeAtLocation(alias.name);
    if (type.getProperties().length === 0) throw new Error(`Stripe.${typeNames[i]}: no such type in the SDK`);
    const nested: Record<string, TypeKeys> = {};
    for (const prop of type.getProperties()) {
      const inner = objectShape(checker, checker.getTypeOfSymbolAtLocation(prop, alias));
      if (inner) nested[prop.name] = keysOf(inner);
    }
    out[typeNames[i]] = { ...keysOf(type), nested };
  });
  return out;
}

function keysOf(type: ts.Type): TypeKeys {
  const props = type.getProperties();
  return {
    required: props
      .filter((p) => !(p.flags & ts.SymbolFlags.Optional))
      .map((p) => p.name)
      .sort(),
    all: props.map((p) => p.name).sort(),
  };
}

/**
 * The object type a key holds, or undefined: null/undefined stripped; an expandable field (`string | Customer`),
 * a list (`ApiList`, arrays), a map (`Metadata`) or a scalar has no fixed keys one level down to compare.
 */
function objectShape(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const t = checker.getNonNullableType(type);
  if (t.isUnion() || !(t.flags & ts.TypeFlags.Object)) return undefined;
  if (checker.isArrayType(t) || checker.getIndexInfosOfType(t).length > 0) return undefined;
  const names = t.getProperties().map((p) => p.name);
  if (names.length === 0 || (names.includes('data') && names.includes('has_more'))) return undefined;
  if (t.getCallSignatures().length > 0) return undefined;
  return t;
}
