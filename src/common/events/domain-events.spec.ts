import { DomainEvents } from './domain-events';

class Fact {}

describe('DomainEvents.demand', () => {
  const noop = async () => undefined;

  it('is none without a subscriber that wants the user, all for one that wants every fact', async () => {
    const events = new DomainEvents();
    events.subscribe(Fact, { order: 1, name: 'picky', wants: (u) => u === 'watched', handle: noop });
    expect(await events.demand(Fact, 'other')).toEqual({ kind: 'none' });
    expect(await events.demand(Fact, 'watched')).toEqual({ kind: 'all' });
  });

  it('is a crossing when the only subscribers that want the user act on one floor only', async () => {
    const events = new DomainEvents();
    const floors = new Map([['u1', 100]]);
    events.subscribe(Fact, {
      order: 1,
      name: 'top-up',
      wants: (u) => u !== undefined && floors.has(u),
      onlyCrossingBelow: (u) => floors.get(u),
      handle: noop,
    });
    expect(await events.demand(Fact, 'u1')).toEqual({ kind: 'crossing', below: 100 });
    expect(await events.demand(Fact, 'u2')).toEqual({ kind: 'none' });
    // Another subscriber wanting every fact, or a second floor, makes every fact wanted.
    events.subscribe(Fact, { order: 2, name: 'other floor', onlyCrossingBelow: () => 10, handle: noop });
    expect(await events.demand(Fact, 'u1')).toEqual({ kind: 'all' });
    expect(await events.demand(Fact, 'u2')).toEqual({ kind: 'crossing', below: 10 });
    events.subscribe(Fact, { order: 3, name: 'outbox', handle: noop });
    expect(await events.demand(Fact, 'u2')).toEqual({ kind: 'all' });
  });
});
