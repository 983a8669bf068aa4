// Jest reporter: each tier's time beside its budget in the README ("### Test time budgets"), the pass's wall
// time beside its budget, and every suite's time, slowest first, so the slow ones are visible in CI's output.
// A tier's time is the sum of its suites' run times (suites of a tier may run in parallel workers).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const README = join(__dirname, '..', '..', 'README.md');

/** { tier: { embedded: seconds, postgres: seconds } } from the README's budget table. */
function readBudgets() {
  const text = readFileSync(README, 'utf8');
  const section = text.split('### Test time budgets')[1]?.split('\n#')[0] ?? '';
  const budgets = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const seconds = (cell) => Number(/^(\d+)\s*s$/.exec(cell ?? '')?.[1] ?? NaN);
    if (cells.length >= 3 && /^`[\w ]+`$/.test(cells[0])) {
      budgets[cells[0].replace(/`/g, '')] = { embedded: seconds(cells[1]), postgres: seconds(cells[2]) };
    }
  }
  return budgets;
}

class TestTimingReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
    this.suites = [];
    this.started = Date.now();
  }

  onRunStart() {
    this.started = Date.now();
  }

  onTestResult(test, result) {
    const tier = test.context.config.displayName?.name ?? 'default';
    const seconds = (result.perfStats.end - result.perfStats.start) / 1000;
    const path = result.testFilePath.replace(`${this.globalConfig.rootDir}/`, '');
    this.suites.push({ tier, path, seconds });
  }

  onRunComplete() {
    if (this.suites.length === 0) return;
    const database = process.env.DATABASE_URL ? 'postgres' : 'embedded';
    const budgets = readBudgets();
    const wall = (Date.now() - this.started) / 1000;
    const lines = [`\n== test times (${database === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'})`];
    const verdict = (spent, budget) =>
      Number.isFinite(budget) ? `budget ${budget} s${spent > budget ? '  OVER BUDGET' : ''}` : 'no budget';
    const tiers = [...new Set(this.suites.map((s) => s.tier))];
    for (const tier of tiers) {
      const spent = this.suites.filter((s) => s.tier === tier).reduce((sum, s) => sum + s.seconds, 0);
      lines.push(`tier ${tier.padEnd(12)} ${spent.toFixed(1).padStart(7)} s   ${verdict(spent, budgets[tier]?.[database])}`);
    }
    lines.push(`whole pass   ${wall.toFixed(1).padStart(12)} s   ${verdict(wall, budgets['whole pass']?.[database])} (wall clock)`);
    lines.push('suites, slowest first:');
    for (const s of [...this.suites].sort((a, b) => b.seconds - a.seconds)) {
      lines.push(`  ${s.seconds.toFixed(1).padStart(6)} s  ${s.tier.padEnd(11)} ${s.path}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

module.exports = TestTimingReporter;
