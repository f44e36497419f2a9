// toPlain: whatever a site passes in becomes JSON-safe data, never throws, keeps what it can;
// createReporter: one console warning per kind of problem, details in debug mode.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReporter, MAX_DEPTH, plainRecord, toPlain, utf8Bytes, type PlainProblem } from '../../src/lib/plain';

function plain(value: unknown) {
  const problems: Array<[PlainProblem, string]> = [];
  const out = toPlain(value, (p, path) => void problems.push([p, path]));
  // Whatever came out is plain JSON data.
  expect(() => JSON.stringify(out)).not.toThrow();
  return { out, problems, kinds: new Set(problems.map(([p]) => p)) };
}

afterEach(() => vi.restoreAllMocks());

describe('toPlain', () => {
  it('keeps plain data as it is', () => {
    const v = { a: 1, b: 'x', c: true, d: null, e: [1, 'two', { f: false }], g: { h: { i: 'deep' } } };
    const { out, problems } = plain(v);
    expect(out).toEqual(v);
    expect(out).not.toBe(v);
    expect(problems).toEqual([]);
  });

  it('cuts a cycle, keeps the rest, and says where', () => {
    const self: Record<string, unknown> = { name: 'me', n: 1 };
    self.self = self;
    self.list = [1, self];
    const { out, problems } = plain(self);
    expect(out).toEqual({ name: 'me', n: 1, list: [1, null] });
    expect(problems).toEqual([
      ['cycle', 'self'],
      ['cycle', 'list[1]'],
    ]);
  });

  it('keeps a shared object that is not a cycle (same object twice in siblings)', () => {
    const shared = { id: 7 };
    const { out, problems } = plain({ a: shared, b: shared, list: [shared, shared] });
    expect(out).toEqual({ a: { id: 7 }, b: { id: 7 }, list: [{ id: 7 }, { id: 7 }] });
    expect(problems).toEqual([]);
  });

  it('turns a BigInt into its decimal string', () => {
    const { out, kinds } = plain({ big: 12345678901234567890n, neg: -5n, list: [1n] });
    expect(out).toEqual({ big: '12345678901234567890', neg: '-5', list: ['1'] });
    expect(kinds).toEqual(new Set(['bigint']));
  });

  it('drops functions and Symbols (null inside arrays, like JSON)', () => {
    const sym = Symbol('s');
    const { out, kinds } = plain({ f: () => 1, s: sym, keep: 1, list: [() => 2, sym, 3] });
    expect(out).toEqual({ keep: 1, list: [null, null, 3] });
    expect(kinds).toEqual(new Set(['unsupported']));
  });

  it('ignores Symbol keys', () => {
    const { out } = plain({ [Symbol('k')]: 1, a: 2 });
    expect(out).toEqual({ a: 2 });
  });

  it('drops DOM nodes and the window', () => {
    const div = document.createElement('div');
    div.textContent = 'secret';
    const { out, kinds } = plain({ el: div, text: document.createTextNode('t'), doc: document, win: window, keep: 'y', list: [div] });
    expect(out).toEqual({ keep: 'y', list: [null] });
    expect(kinds).toEqual(new Set(['unsupported']));
  });

  it('drops undefined values (null inside arrays), NaN and Infinity become null', () => {
    const { out } = plain({ u: undefined, list: [undefined, 1], nan: NaN, inf: -Infinity, zero: 0 });
    expect(out).toEqual({ list: [null, 1], nan: null, inf: null, zero: 0 });
  });

  it('array holes become null on the wire', () => {
    // eslint-disable-next-line no-sparse-arrays
    const { out } = plain({ list: [1, , 3] });
    expect(JSON.parse(JSON.stringify(out))).toEqual({ list: [1, null, 3] });
  });

  it('uses toJSON (a Date becomes its ISO string)', () => {
    const d = new Date('2026-01-02T03:04:05.000Z');
    const { out } = plain({ at: d, custom: { toJSON: () => ({ x: 1 }) } });
    expect(out).toEqual({ at: '2026-01-02T03:04:05.000Z', custom: { x: 1 } });
  });

  it('an invalid Date becomes null, like JSON.stringify', () => {
    expect(plain({ at: new Date(NaN) }).out).toEqual({ at: null });
  });

  it('a throwing toJSON is left out, the siblings kept', () => {
    const { out, problems } = plain({ bad: { toJSON: () => { throw new Error('nope'); } }, ok: 1 });
    expect(out).toEqual({ ok: 1 });
    expect(problems).toEqual([['throws', 'bad']]);
  });

  it('a throwing getter is left out, the siblings kept', () => {
    const v = { ok: 1 };
    Object.defineProperty(v, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const { out, problems } = plain(v);
    expect(out).toEqual({ ok: 1 });
    expect(problems).toEqual([['throws', 'boom']]);
  });

  it('a Proxy that throws on every trap gives nothing, not an exception', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } });
    const { out, kinds } = plain({ hostile, ok: 2 });
    expect(out).toEqual({ ok: 2 });
    expect(kinds.has('throws')).toBe(true);
    // At the top level too: toPlain never throws.
    expect(() => toPlain(hostile, () => {})).not.toThrow();
    expect(plainRecord(hostile, () => {})).toEqual({});
  });

  it('a "__proto__" key stays data and does not change the prototype of the copy or of Object', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const { out } = plain(input);
    const o = out as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o).sort()).toEqual(['__proto__', 'a']);
    expect(JSON.parse(JSON.stringify(o))).toEqual(input);
    expect((o as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it(`bounds depth at ${MAX_DEPTH} levels and says so`, () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 30; i++) deep = { next: deep };
    const { out, kinds } = plain(deep);
    let levels = 0;
    for (let o = out as Record<string, unknown> | undefined; o && typeof o === 'object'; o = o.next as Record<string, unknown>) levels++;
    expect(levels).toBeLessThanOrEqual(MAX_DEPTH + 1);
    expect(levels).toBeGreaterThanOrEqual(MAX_DEPTH - 1);
    expect(kinds).toEqual(new Set(['depth']));
  });

  it('copies class instances and Maps as their own enumerable fields (JSON would too)', () => {
    class Point {
      constructor(public x: number, public y: number) {}
    }
    expect(plain({ p: new Point(1, 2) }).out).toEqual({ p: { x: 1, y: 2 } });
    expect(plain({ m: new Map([['a', 1]]) }).out).toEqual({ m: {} });
  });

  it('matches JSON.stringify for what JSON can already encode', () => {
    const v = { s: 'ü€😀', n: -0.5, arr: [[], {}], nested: { d: new Date(0), t: true } };
    expect(plain(v).out).toEqual(JSON.parse(JSON.stringify(v)));
  });
});

describe('plainRecord', () => {
  it('anything that is not a plain object gives {}', () => {
    for (const v of [undefined, null, 1, 'x', [1, 2], () => 1, 10n]) expect(plainRecord(v, () => {})).toEqual({});
  });
  it('an object whose toJSON returns a non-object gives {}', () => {
    expect(plainRecord({ toJSON: () => 'str' }, () => {})).toEqual({});
  });
  it('a circular record is copied without the cycle', () => {
    const r: Record<string, unknown> = { a: 1 };
    r.me = r;
    expect(plainRecord(r, () => {})).toEqual({ a: 1 });
  });
});

describe('utf8Bytes', () => {
  it.each(['', 'abc', 'ü', '€', '😀', 'a😀b€ü', '\ud800'])('%j matches TextEncoder', (s) => {
    if (s === '\ud800') return expect(utf8Bytes(s)).toBeGreaterThan(0); // a lone surrogate: any sane count
    expect(utf8Bytes(s)).toBe(new TextEncoder().encode(s).length);
  });
});

describe('createReporter', () => {
  it('warns once per kind of problem, whatever the number of cases', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const report = createReporter(() => false);
    const self: Record<string, unknown> = {};
    self.a = self;
    self.b = self;
    toPlain({ self, x: 1n, y: 2n, f: () => 1 }, report);
    toPlain({ again: 3n }, report);
    expect(warn).toHaveBeenCalledTimes(3); // cycle, bigint, unsupported
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/circular[\s\S]*BigInt[\s\S]*function/);
    expect(warn.mock.calls[0]![0]).toContain('[waymark]');
    expect(warn.mock.calls[0]![0]).toContain('self.a');
    expect(debug).not.toHaveBeenCalled();
  });

  it('in debug mode every case is logged with its path', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const report = createReporter(() => true);
    toPlain({ a: 1n, b: { c: 2n } }, report);
    expect(debug).toHaveBeenCalledTimes(2);
    expect(debug.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining('"a"'), expect.stringContaining('"b.c"')]);
  });

  it('separate reporters (trackers) warn separately', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    toPlain({ a: 1n }, createReporter(() => false));
    toPlain({ a: 1n }, createReporter(() => false));
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
