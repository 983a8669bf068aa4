import type { Boundaries, RuleName, SourceFile } from './rules';

/**
 * Deliberate breaks of the boundary rules, each a small fake source tree: the clean tree below keeps every
 * rule, and each fixture breaks exactly one on purpose. architecture.spec.ts requires its rule to reject it.
 */
export interface Fixture {
  name: string;
  rule: RuleName | 'none';
  files: SourceFile[];
  boundaries: Boundaries;
  /** A violation line the rule must report. */
  expect: RegExp;
}

const BOUNDARIES: Boundaries = {
  ownership: [
    { table: 'users', owner: 'users', writers: ['UsersService'] },
    { table: 'webhook_events', owner: 'webhooks', writers: ['WebhookInbox', 'WebhookProcessor'] },
  ],
  layering: {
    layers: [
      { name: 'bootstrap', folders: ['src'] },
      { name: 'inbound', folders: ['webhooks'] },
      { name: 'domain', folders: ['payments', 'credits'] },
      { name: 'outbox', folders: ['outbound'] },
      { name: 'identity', folders: ['users'] },
      { name: 'cross-cutting', folders: ['common'] },
      { name: 'offline Stripe', folders: ['stripe-emulator'] },
    ],
    allowedBackUpImports: [],
  },
  outboxImporters: [],
  compositionRoots: ['src/app.module.ts'],
};

/** Keeps every rule: owners write their tables, others go through the owner's service. */
const CLEAN: SourceFile[] = [
  {
    path: 'src/app.module.ts',
    text: `import { User } from './users/user.entity';\nimport { PaymentsModule } from './payments/payments.module';\nexport const ENTITIES = [User];`,
  },
  {
    path: 'src/users/user.entity.ts',
    text: `import { Entity, PrimaryColumn } from 'typeorm';\n@Entity('users')\nexport class User {\n  @PrimaryColumn() id: string;\n}`,
  },
  {
    path: 'src/users/users.service.ts',
    text: `import { EntityManager, Repository } from 'typeorm';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from './user.entity';
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}
  find(id: string) { return this.users.findOne({ where: { id } }); }
  async rename(m: EntityManager, id: string, name: string) {
    await m.query('UPDATE users SET name = $2 WHERE id = $1', [id, name]);
  }
}`,
  },
  {
    path: 'src/webhooks/webhook-inbox.ts',
    text: `export class WebhookInbox {
  record(db: Db, id: string) { return db.query(\`INSERT INTO webhook_events (id) VALUES ($1) ON CONFLICT DO NOTHING\`, [id]); }
}`,
  },
  {
    path: 'src/webhooks/webhook-processor.ts',
    text: `import { LeasedJobs } from '../common/db/leased-jobs';
import { UsersService } from '../users/users.service';
const INBOX = new LeasedJobs<Job>({ table: 'webhook_events', leased: 'processing' });
export class WebhookProcessor {
  constructor(private readonly users: UsersService) {}
  claim(db: Db) { return INBOX.claim(db, { limit: 1 }); }
}`,
  },
  {
    path: 'src/webhooks/handlers/invoice.handler.ts',
    text: `import { OnStripeEvent } from '../on-stripe-event.decorator';
export class InvoiceHandler {
  @OnStripeEvent('invoice.paid')
  paid() {}
}`,
  },
  {
    path: 'src/payments/payments.service.ts',
    text: `import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { money } from '../common/money';
export class PaymentsService {
  constructor(private readonly users: UsersService) {}
  describe(u: User) { return \`Update your card, \${u.id}: the users of this plan pay \${money(1)}\`; }
}`,
  },
  { path: 'src/common/money.ts', text: `export const money = (n: number): string => String(n);` },
  {
    path: 'src/common/db/leased-jobs.ts',
    text: `export class LeasedJobs<T> { constructor(readonly q: unknown) {} }`,
  },
  { path: 'src/outbound/outbound-events.service.ts', text: `export class OutboundEventsService {}` },
  {
    path: 'src/stripe-emulator/server.ts',
    text: `import { store } from './store';\nexport const serve = () => store;`,
  },
  { path: 'src/stripe-emulator/store.ts', text: `export const store = {};` },
];

/** The clean tree with `path` replaced (or added) by `text`. */
const withFile = (path: string, text: string): SourceFile[] => [
  ...CLEAN.filter((f) => f.path !== path),
  { path, text },
];

const brk = (
  name: string,
  rule: RuleName,
  files: SourceFile[],
  expect: RegExp,
  boundaries = BOUNDARIES,
): Fixture => ({
  name,
  rule,
  files,
  boundaries,
  expect,
});

export const FIXTURES: Fixture[] = [
  { name: 'a clean tree', rule: 'none', files: CLEAN, boundaries: BOUNDARIES, expect: /^$/ },

  brk(
    "an entity outside its table's owning module",
    'entitiesAtHome',
    withFile('src/payments/user-copy.entity.ts', `@Entity('webhook_events')\nexport class EventCopy {}`),
    /src\/payments\/user-copy\.entity\.ts: entity EventCopy of webhook_events \(owner webhooks\)/,
  ),
  brk(
    "lowercase SQL naming another module's table",
    'sqlStaysHome',
    withFile('src/payments/audit.ts', `export const q = 'select id from users where email = $1';`),
    /src\/payments\/audit\.ts: SQL names users/,
  ),
  brk(
    "cross-module SQL (a join into another module's table)",
    'sqlStaysHome',
    withFile(
      'src/credits/report.service.ts',
      `export class Report {\n  q = \`SELECT c.n FROM credit_x c JOIN Users u ON u.id = c.user_id\`;\n}`,
    ),
    /src\/credits\/report\.service\.ts: SQL names users/,
  ),
  brk(
    "a query builder's .update('users') outside the owner",
    'writersAreListed',
    withFile(
      'src/payments/plan-change.service.ts',
      `export class PlanChange {\n  run(m: M) { return m.createQueryBuilder().update('users').set({ plan: 'x' }).execute(); }\n}`,
    ),
    /PlanChange writes users, owned by users/,
  ),
  brk(
    "m.insert('users', …) outside the owner",
    'writersAreListed',
    withFile(
      'src/credits/signup.service.ts',
      `export class Signup {\n  run(m: M) { return m.insert('users', { id: '1' }); }\n}`,
    ),
    /Signup writes users, owned by users/,
  ),
  brk(
    'insert().into(User) through the query builder outside the owner',
    'writersAreListed',
    withFile(
      'src/payments/import.service.ts',
      `import type { User } from '../users/user.entity';\nexport class Importer {\n  run(m: M) { return m.createQueryBuilder()\n    .insert()\n    .into(User).values([]).execute(); }\n}`,
    ),
    /Importer writes users, owned by users/,
  ),
  brk(
    "delete().from('users') in the owning module by a class not listed",
    'writersAreListed',
    withFile(
      'src/users/purge.service.ts',
      `export class Purge {\n  run(m: M) { return m.createQueryBuilder().delete().from('users').execute(); }\n}`,
    ),
    /Purge writes users but is not listed/,
  ),
  brk(
    'an unlisted writer inside the owning module (raw SQL, mixed case)',
    'writersAreListed',
    withFile(
      'src/users/users-admin.service.ts',
      `export class UsersAdmin {\n  ban(m: M, id: string) { return m.query('Update Users Set banned = true Where id = $1', [id]); }\n}`,
    ),
    /UsersAdmin writes users but is not listed/,
  ),
  brk(
    'a module of functions writing a table without being listed (by its path)',
    'writersAreListed',
    withFile('src/users/bulk.ts', `export const wipe = (m: M) => m.query('DELETE FROM users WHERE banned');`),
    /src\/users\/bulk\.ts: src\/users\/bulk\.ts writes users but is not listed/,
  ),
  brk(
    'a read-only class listed as a writer',
    'writersAreListed',
    withFile(
      'src/users/users-reader.ts',
      `export class UsersReader {\n  get(m: M, id: string) { return m.query('SELECT id FROM users WHERE id = $1', [id]); }\n}`,
    ),
    /users: listed writer UsersReader does not write it/,
    {
      ...BOUNDARIES,
      ownership: BOUNDARIES.ownership.map((o) =>
        o.table === 'users' ? { ...o, writers: [...o.writers, 'UsersReader'] } : o,
      ),
    },
  ),
  brk(
    "another module's entity imported for its value (to build a repository)",
    'entitiesStayHome',
    withFile(
      'src/payments/payments.service.ts',
      `import { User } from '../users/user.entity';\nexport class PaymentsService {\n  repo = (m: M) => m.getRepository(User);\n}`,
    ),
    /src\/payments\/payments\.service\.ts → src\/users\/user\.entity/,
  ),
  brk(
    'a repository looked up by entity name',
    'entitiesStayHome',
    withFile('src/credits/lookup.ts', `export const users = (m: M) => m.getRepository('User');`),
    /src\/credits\/lookup\.ts: getRepository by name/,
  ),
  brk(
    'the emulator importing src',
    'emulatorStandsAlone',
    withFile(
      'src/stripe-emulator/server.ts',
      `import { money } from '../common/money';\nexport const serve = () => money(1);`,
    ),
    /src\/stripe-emulator\/server\.ts → src\/common\/money/,
  ),
  brk(
    'a bare @OnEvent listener',
    'stripeHandlersOnly',
    withFile(
      'src/webhooks/handlers/refund.handler.ts',
      `import { OnEvent } from '@nestjs/event-emitter';\nexport class RefundHandler {\n  @OnEvent('stripe.charge.refunded')\n  refunded() {}\n}`,
    ),
    /refund\.handler\.ts: bare @OnEvent/,
  ),
  brk(
    'two @OnStripeEvent handlers for one event type',
    'stripeHandlersOnly',
    withFile(
      'src/webhooks/handlers/invoice-again.handler.ts',
      `import { OnStripeEvent } from '../on-stripe-event.decorator';\nexport class InvoiceAgain {\n  @OnStripeEvent('invoice.created', 'invoice.paid')\n  again() {}\n}`,
    ),
    /invoice\.paid: two handlers/,
  ),
  brk(
    'an optional EntityManager',
    'noOptionalEntityManager',
    withFile(
      'src/credits/grants.service.ts',
      `import type { EntityManager } from 'typeorm';\nexport class Grants {\n  grant(userId: string, m?: EntityManager) { return [userId, m]; }\n}`,
    ),
    /grants\.service\.ts: m\?: EntityManager/,
  ),
  brk(
    'an EntityManager default parameter',
    'noOptionalEntityManager',
    withFile(
      'src/credits/grants.service.ts',
      `import type { EntityManager } from 'typeorm';\nexport class Grants {\n  constructor(private readonly db: D) {}\n  grant(userId: string, m: EntityManager = this.db.manager) { return [userId, m]; }\n}`,
    ),
    /grants\.service\.ts: m: EntityManager =/,
  ),
  brk(
    'OutboundEventsService imported outside src/outbound',
    'outboxStaysInOutbound',
    withFile(
      'src/credits/credits.service.ts',
      `import { OutboundEventsService } from '../outbound/outbound-events.service';\nexport class CreditsService {\n  constructor(private readonly events: OutboundEventsService) {}\n}`,
    ),
    /src\/credits\/credits\.service\.ts: uses OutboundEventsService/,
  ),
  brk(
    'a new import back up a layer (common → credits)',
    'layersHold',
    withFile(
      'src/common/money.ts',
      `import type { Credits } from '../credits/credits';\nexport const money = (n: Credits): string => String(n);`,
    ),
    /src\/common\/money\.ts → src\/credits\/credits: back up a layer \(common → credits\)/,
  ),
  brk(
    'a folder cycle through an allowed back-up import (payments → credits → payments)',
    'layersHold',
    [
      ...withFile(
        'src/credits/credits.ts',
        `import { PaymentsService } from '../payments/payments.service';\nexport type Credits = PaymentsService;`,
      ),
      {
        path: 'src/payments/uses-credits.ts',
        text: `import type { Credits } from '../credits/credits';\nexport type X = Credits;`,
      },
    ],
    /folder cycle: .*credits.*payments|folder cycle: .*payments.*credits/,
    { ...BOUNDARIES, layering: { ...BOUNDARIES.layering, allowedBackUpImports: [['credits', 'payments']] } },
  ),
  brk(
    'a folder without a layer',
    'layersHold',
    withFile(
      'src/reports/daily.ts',
      `import { money } from '../common/money';\nexport const daily = () => money(1);`,
    ),
    /src\/reports has no layer/,
  ),
];
