import { exceedsJsonDepth } from './json-depth';

const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays and stops past the limit', () => {
    expect(exceedsJsonDepth(deep(3), 3)).toBe(false);
    expect(exceedsJsonDepth(deep(4), 3)).toBe(true);
    expect(exceedsJsonDepth(Buffer.from('{"a":{"b":[1,{"c":2}]}}'), 4)).toBe(false);
    expect(exceedsJsonDepth(Buffer.from('{"a":{"b":[1,{"c":2}]}}'), 3)).toBe(true);
  });

  it('ignores brackets inside strings, including after escaped quotes', () => {
    expect(exceedsJsonDepth(Buffer.from(JSON.stringify({ a: '[[[[{{{{', b: 'x\\"[[[[' })), 1)).toBe(false);
  });

  it('scans a 3,000-deep body without recursing', () => {
    expect(exceedsJsonDepth(deep(3000), 32)).toBe(true);
    expect(exceedsJsonDepth(deep(1_000_000), 2_000_000)).toBe(false);
  });

  it('treats siblings as the same level', () => {
    expect(exceedsJsonDepth(Buffer.from('[' + '[],'.repeat(1000) + '[]]'), 2)).toBe(false);
  });
});
