import { describe, expect, it, vi } from 'vitest';
import { createPluginRunner } from '../src/plugins';
import type { Plugin, Tracker, WaymarkEvent } from '../src/types';

const event = (over: Partial<WaymarkEvent> = {}): WaymarkEvent => ({
  id: 'e1',
  type: 'track',
  name: 'signup',
  timestamp: '2026-11-23T08:00:00.000Z',
  seq: 1,
  anonymousId: 'a1',
  sessionId: 's1',
  stage: null,
  page: { url: 'https://a.example/', path: '/', title: '', referrer: '' },
  properties: {},
  context: { library: { name: 'waymark', version: '0.1.0' } },
  ...over,
});

const tracker = {} as Tracker;

describe('createPluginRunner', () => {
  it('chains beforeSend in plugin order, each seeing the previous result', () => {
    const seen: string[] = [];
    const tag = (name: string): Plugin => ({
      name,
      beforeSend: (e) => {
        seen.push(`${name}:${String(e.properties.trail ?? '')}`);
        return { ...e, properties: { trail: `${String(e.properties.trail ?? '')}${name}` } };
      },
    });
    const run = createPluginRunner([tag('a'), tag('b'), tag('c')], () => {});
    expect(run.beforeSend(event())?.properties.trail).toBe('abc');
    expect(seen).toEqual(['a:', 'b:a', 'c:ab']);
  });

  it('drops the event when a plugin returns null, and later plugins never see it', () => {
    const later = vi.fn((e: WaymarkEvent) => e);
    const run = createPluginRunner(
      [{ name: 'drop-bots', beforeSend: (e) => (e.name === 'bot' ? null : e) }, { name: 'later', beforeSend: later }],
      () => {},
    );
    expect(run.beforeSend(event({ name: 'bot' }))).toBeNull();
    expect(later).not.toHaveBeenCalled();
    expect(run.beforeSend(event({ name: 'human' }))?.name).toBe('human');
    expect(later).toHaveBeenCalledTimes(1);
  });

  it('isolates a throwing beforeSend: the event passes on unchanged, logged once', () => {
    const log = vi.fn();
    const run = createPluginRunner(
      [
        { name: 'broken', beforeSend: () => { throw new Error('boom'); } },
        { name: 'enrich', beforeSend: (e) => ({ ...e, properties: { ...e.properties, plan: 'pro' } }) },
      ],
      log,
    );
    const out1 = run.beforeSend(event({ properties: { a: 1 } }));
    const out2 = run.beforeSend(event({ id: 'e2' }));
    expect(out1?.properties).toEqual({ a: 1, plan: 'pro' });
    expect(out2?.id).toBe('e2');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain('broken');
    expect((log.mock.calls[0]![1] as Error).message).toBe('boom');
  });

  it('ignores a beforeSend that forgets to return the event', () => {
    const log = vi.fn();
    const run = createPluginRunner([{ name: 'forgetful', beforeSend: (() => undefined) as never }], log);
    expect(run.beforeSend(event())?.id).toBe('e1');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain('forgetful');
  });

  it('passes events through when there are no plugins or hooks', () => {
    const e = event();
    expect(createPluginRunner([], () => {}).beforeSend(e)).toBe(e);
    expect(createPluginRunner([{ name: 'setup-only', setup: () => {} }], () => {}).beforeSend(e)).toBe(e);
  });

  it('calls setup and afterSend in order and teardown in reverse, surviving throws', () => {
    const calls: string[] = [];
    const log = vi.fn();
    const plugin = (name: string, broken = false): Plugin => ({
      name,
      setup: (t) => {
        calls.push(`setup:${name}:${t === tracker}`);
        if (broken) throw new Error('setup');
      },
      afterSend: (events) => {
        calls.push(`after:${name}:${events.length}`);
        if (broken) throw new Error('after');
      },
      teardown: () => {
        calls.push(`teardown:${name}`);
        if (broken) throw new Error('teardown');
      },
    });
    const run = createPluginRunner([plugin('a'), plugin('b', true), plugin('c')], log);
    expect(() => {
      run.setup(tracker);
      run.afterSend([event(), event()]);
      run.afterSend([event()]);
      run.teardown();
    }).not.toThrow();
    expect(calls).toEqual([
      'setup:a:true', 'setup:b:true', 'setup:c:true',
      'after:a:2', 'after:b:2', 'after:c:2',
      'after:a:1', 'after:b:1', 'after:c:1',
      'teardown:c', 'teardown:b', 'teardown:a',
    ]);
    // One log per failing hook, not per call.
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      expect.stringContaining('setup'),
      expect.stringContaining('afterSend'),
      expect.stringContaining('teardown'),
    ]);
  });

  it('skips non-plugin entries and survives a throwing logger', () => {
    const run = createPluginRunner(
      [null as never, { name: 'bad', beforeSend: () => { throw new Error('x'); } }],
      () => { throw new Error('logger'); },
    );
    expect(run.beforeSend(event())?.id).toBe('e1');
  });
});
