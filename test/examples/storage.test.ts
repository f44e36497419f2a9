// @vitest-environment node
// Storage: an id counts as stored only once its line is on disk; a failed
// write loses nothing and never glues a torn line to the next one; the cap
// is enforced with one log line; pages walk the store in order.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without type declarations
import { appendDurably, createStorage } from '../../examples/collector/storage.mjs';

type Event = { id: string; type: string; [key: string]: unknown };
const ev = (id: string): Event => ({ id, type: 'track', name: 'n', timestamp: '2026-11-29T10:00:00.000Z', receivedAt: '2026-11-29T10:00:01.000Z' });
const ids = (events: Event[]) => events.map((e) => e.id);
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-storage-'));
  file = join(dir, 'events.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createStorage', () => {
  it('appends new events, dedupes by id (also within a batch) and reloads them after a restart', async () => {
    const store = createStorage({ file });
    expect(await store.add([ev('a'), ev('b'), ev('a')])).toMatchObject({ duplicates: 1 });
    const again = await store.add([ev('b'), ev('c')]);
    expect(ids(again.added)).toEqual(['c']);
    expect(again.duplicates).toBe(1);
    expect(lines(file)).toHaveLength(3);
    const reloaded = createStorage({ file });
    expect(ids(reloaded.list())).toEqual(['a', 'b', 'c']);
    expect((await reloaded.add([ev('a')])).added).toEqual([]);
  });

  it('does not mark ids seen when the write fails, so the retry stores them', async () => {
    let fail = true;
    const write = async (f: string, text: string) => {
      if (fail) throw new Error('disk on fire');
      return appendDurably(f, text);
    };
    const store = createStorage({ file, write });
    await expect(store.add([ev('a'), ev('b')])).rejects.toMatchObject({ code: 'write' });
    expect(store.has('a')).toBe(false);
    expect(store.count()).toBe(0);
    fail = false;
    expect(ids((await store.add([ev('a'), ev('b')])).added)).toEqual(['a', 'b']);
    expect(ids(createStorage({ file }).list())).toEqual(['a', 'b']);
  });

  it('starts a fresh line after a write that failed half-way', async () => {
    let calls = 0;
    const write = async (f: string, text: string) => {
      calls += 1;
      if (calls === 1) {
        appendFileSync(f, text.slice(0, 10)); // a torn write: part of a line, no newline
        throw new Error('ENOSPC');
      }
      appendFileSync(f, text);
    };
    const store = createStorage({ file, write });
    await expect(store.add([ev('a')])).rejects.toMatchObject({ code: 'write' });
    await store.add([ev('a'), ev('b')]);
    expect(ids(createStorage({ file }).list())).toEqual(['a', 'b']);
  });

  it('starts a fresh line when the file it loads ends in a torn line', async () => {
    writeFileSync(file, JSON.stringify(ev('a')) + '\n{"id":"torn","ty');
    const store = createStorage({ file });
    expect(ids(store.list())).toEqual(['a']);
    await store.add([ev('b')]);
    expect(ids(createStorage({ file }).list())).toEqual(['a', 'b']);
  });

  it('writes one batch at a time, in call order, and never stores an id twice', async () => {
    const store = createStorage({ file });
    await Promise.all([store.add([ev('a'), ev('b')]), store.add([ev('b'), ev('c')]), store.add([ev('a'), ev('d')])]);
    expect(ids(store.list())).toEqual(['a', 'b', 'c', 'd']);
    expect(lines(file)).toHaveLength(4);
  });

  it('refuses a batch past the event cap with one log line, keeping what is stored', async () => {
    const logged: string[] = [];
    const store = createStorage({ file, maxEvents: 3, log: (line: string) => logged.push(line) });
    await store.add([ev('a'), ev('b')]);
    await expect(store.add([ev('c'), ev('d')])).rejects.toMatchObject({ code: 'full' });
    await expect(store.add([ev('e'), ev('f')])).rejects.toMatchObject({ code: 'full' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/storage is full.*cap 3 events/);
    // What fits still goes in; duplicates of stored events are still fine.
    expect(ids((await store.add([ev('a'), ev('c')])).added)).toEqual(['c']);
    expect(ids(store.list())).toEqual(['a', 'b', 'c']);
  });

  it('refuses a batch past the byte cap, also after a restart', async () => {
    const logged: string[] = [];
    const store = createStorage({ file, maxBytes: 300, log: (line: string) => logged.push(line) });
    await store.add([ev('a')]);
    await expect(store.add([ev('b'), ev('c'), ev('d')])).rejects.toMatchObject({ code: 'full' });
    expect(readFileSync(file).length).toBeLessThanOrEqual(300);
    const reopened = createStorage({ file, maxBytes: readFileSync(file).length, log: (line: string) => logged.push(line) });
    await expect(reopened.add([ev('z')])).rejects.toMatchObject({ code: 'full' });
    expect(logged).toHaveLength(2);
  });

  it('bounds a page by bytes too, always giving at least one event', async () => {
    const store = createStorage({ file });
    await store.add(['a', 'b', 'c'].map((id) => ({ ...ev(id), properties: { blob: 'x'.repeat(1000) } })));
    const first = store.page({ limit: 10, maxBytes: 2500 });
    expect(ids(first.events)).toEqual(['a', 'b']);
    expect(ids(store.page({ after: Number(first.next), limit: 10, maxBytes: 10 }).events)).toEqual(['c']);
  });

  it('pages through events with cursors, and from a cursor to newer events only', async () => {
    const store = createStorage({ file });
    await store.add(['a', 'b', 'c', 'd', 'e'].map(ev));
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const page = store.page({ after, limit: 2 });
      seen.push(...ids(page.events));
      if (page.next === null) {
        after = Number(page.cursor);
        break;
      }
      after = Number(page.next);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(store.page({ after, limit: 2 }).events).toEqual([]);
    await store.add([ev('f')]);
    expect(ids(store.page({ after, limit: 2 }).events)).toEqual(['f']);
  });
});
