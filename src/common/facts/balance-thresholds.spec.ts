import { LowBalanceThresholds, thresholdCrossings } from './balance-thresholds';

describe('thresholdCrossings', () => {
  it('a fall crosses every threshold it passes, highest first, at-or-below counting as crossed', () => {
    expect(thresholdCrossings(150, 5, [10, 100])).toEqual({ low: [100, 10], recovered: [] });
    expect(thresholdCrossings(150, 100, [10, 100])).toEqual({ low: [100], recovered: [] });
  });

  it('a fall that starts at or below a threshold does not cross it again', () => {
    expect(thresholdCrossings(100, 50, [100])).toEqual({ low: [], recovered: [] });
    expect(thresholdCrossings(60, 50, [100, 10])).toEqual({ low: [], recovered: [] });
  });

  it('a rise above a threshold recovers it (re-arming its next fall)', () => {
    expect(thresholdCrossings(5, 500, [100, 10])).toEqual({ low: [], recovered: [100, 10] });
    expect(thresholdCrossings(100, 101, [100])).toEqual({ low: [], recovered: [100] });
    expect(thresholdCrossings(101, 200, [100])).toEqual({ low: [], recovered: [] });
  });

  it('no change crosses nothing; duplicates count once', () => {
    expect(thresholdCrossings(50, 50, [50])).toEqual({ low: [], recovered: [] });
    expect(thresholdCrossings(60, 0, [10, 10])).toEqual({ low: [10], recovered: [] });
  });
});

describe('LowBalanceThresholds', () => {
  it('holds a list per user, [] included, and forgets it when cleared or replaced', () => {
    const t = new LowBalanceThresholds();
    t.set('a', [100, 10]);
    t.set('b', []);
    expect(t.of('a')).toEqual([100, 10]);
    expect(t.of('b')).toEqual([]);
    expect(t.of('c')).toBeUndefined();
    t.set('a', null);
    expect(t.of('a')).toBeUndefined();
    t.replaceAll([['c', [5]]]);
    expect([t.of('b'), t.of('c'), t.size]).toEqual([undefined, [5], 1]);
  });
});
