import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Captured, CaptureContext } from '../../src/capture/context';
import { captureFriction, createRageDetector } from '../../src/capture/friction';
import type { EventType } from '../../src/types';

const OPTS = { rageClicks: 3, rageWindowMs: 1000, rageRadiusPx: 30 };

describe('createRageDetector', () => {
  it('3 clicks within 1 s on one spot make one rage burst of 3', () => {
    const r = createRageDetector(OPTS);
    expect([r.click(10, 10, 0), r.click(12, 9, 300), r.click(11, 11, 600)]).toEqual([0, 0, 0]);
    expect(r.end()).toBe(3);
    expect(r.end()).toBe(0); // reported once
  });

  it('counts every click of a longer burst', () => {
    const r = createRageDetector(OPTS);
    for (let i = 0; i < 7; i++) r.click(50, 50, i * 200);
    expect(r.end()).toBe(7);
  });

  it('clicks spread out over more than the window are no rage click', () => {
    const r = createRageDetector(OPTS);
    r.click(10, 10, 0);
    r.click(10, 10, 600);
    r.click(10, 10, 1200);
    expect(r.end()).toBe(0);
  });

  it('fast clicks far apart are no rage click', () => {
    const r = createRageDetector(OPTS);
    r.click(0, 0, 0);
    r.click(100, 0, 100);
    r.click(200, 0, 200);
    expect(r.end()).toBe(0);
  });

  it('a click elsewhere ends a burst and returns its size', () => {
    const r = createRageDetector(OPTS);
    r.click(0, 0, 0);
    r.click(0, 0, 100);
    r.click(0, 0, 200);
    expect(r.click(500, 500, 300)).toBe(3);
    expect(r.end()).toBe(0);
  });

  it('honours configured thresholds', () => {
    const r = createRageDetector({ rageClicks: 5, rageWindowMs: 500, rageRadiusPx: 5 });
    for (let i = 0; i < 4; i++) r.click(0, 0, i * 100);
    expect(r.end()).toBe(0);
    for (let i = 0; i < 5; i++) r.click(0, 0, i * 100);
    expect(r.end()).toBe(5);
  });
});

describe('captureFriction', () => {
  let emitted: Array<{ type: EventType; data: Captured; el?: Element | null }>;
  let routes: Array<(from: string, to: string) => void>;
  let leaves: Array<() => void>;
  let stop: (() => void) | undefined;

  const start = (friction = { ...OPTS, deadClickMs: 1000 }) => {
    const ctx: CaptureContext = {
      emit: (type, data, el) => emitted.push({ type, data, el }),
      win: window,
      doc: document,
      privacy: { ignoreSelector: '[data-waymark-ignore]', scrubParams: [], respectDNT: false, respectGPC: true, requireConsent: false },
      friction,
      scrub: (u) => u,
      onRoute: (l) => (routes.push(l), () => void routes.splice(routes.indexOf(l), 1)),
      onLeave: (l) => (leaves.push(l), () => void leaves.splice(leaves.indexOf(l), 1)),
      now: () => Date.now(),
    };
    stop = captureFriction(ctx);
  };
  const click = (el: Element, x = 10, y = 10) =>
    el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, cancelable: true, clientX: x, clientY: y, detail: 1 }));
  const of = (type: EventType) => emitted.filter((e) => e.type === type);

  beforeEach(() => {
    vi.useFakeTimers();
    emitted = [];
    routes = [];
    leaves = [];
    document.body.innerHTML = `
      <button id="dead">Nothing</button>
      <button id="live">Open</button>
      <div id="panel"></div>
      <p id="text">Plain text</p>
      <a id="link" href="/pricing" target="_blank">Pricing</a>
      <a id="hash" href="#">Menu</a>
      <div data-waymark-ignore><button id="secret">Secret</button></div>`;
    document.getElementById('live')!.addEventListener('click', () => {
      document.getElementById('panel')!.textContent = 'opened';
    });
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    vi.useRealTimers();
  });

  describe('rage_click', () => {
    it('reports 3 fast clicks on one spot once, with the element and click count', () => {
      start();
      const btn = document.getElementById('dead')!;
      click(btn);
      vi.advanceTimersByTime(300);
      click(btn, 12, 11);
      vi.advanceTimersByTime(300);
      click(btn, 9, 10);
      vi.advanceTimersByTime(2000);
      const rage = of('rage_click');
      expect(rage).toHaveLength(1);
      expect(rage[0]!.data.properties).toEqual({ clicks: 3 });
      expect(rage[0]!.data.target).toMatchObject({ tag: 'button', id: 'dead', text: 'Nothing' });
      expect(rage[0]!.el).toBe(btn);
    });

    it('reports nothing for clicks spread out in time', () => {
      start();
      const btn = document.getElementById('dead')!;
      for (let i = 0; i < 4; i++) {
        click(btn);
        vi.advanceTimersByTime(700);
      }
      vi.advanceTimersByTime(2000);
      expect(of('rage_click')).toHaveLength(0);
    });

    it('reports nothing for fast clicks far apart', () => {
      start();
      const text = document.getElementById('text')!;
      click(text, 0, 0);
      vi.advanceTimersByTime(100);
      click(text, 200, 0);
      vi.advanceTimersByTime(100);
      click(text, 400, 0);
      vi.advanceTimersByTime(2000);
      expect(of('rage_click')).toHaveLength(0);
    });

    it('reports a burst still going on when the page is left, before the exit flush', () => {
      start();
      const text = document.getElementById('text')!;
      for (let i = 0; i < 4; i++) click(text);
      leaves.forEach((l) => l());
      expect(of('rage_click').map((e) => e.data.properties)).toEqual([{ clicks: 4 }]);
      vi.advanceTimersByTime(2000);
      expect(of('rage_click')).toHaveLength(1);
    });

    it('never reports clicks inside the ignore selector', () => {
      start();
      const secret = document.getElementById('secret')!;
      for (let i = 0; i < 5; i++) click(secret);
      vi.advanceTimersByTime(3000);
      expect(emitted).toHaveLength(0);
    });
  });

  describe('dead_click', () => {
    it('reports a click on a button after which nothing happens', () => {
      start();
      click(document.getElementById('dead')!);
      vi.advanceTimersByTime(999);
      expect(of('dead_click')).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(of('dead_click')).toHaveLength(1);
      expect(of('dead_click')[0]!.data.target).toMatchObject({ tag: 'button', id: 'dead' });
    });

    it('does not report a click that changed the page', async () => {
      start();
      click(document.getElementById('live')!);
      await vi.advanceTimersByTimeAsync(1500);
      expect(of('dead_click')).toHaveLength(0);
    });

    it('does not report a change that comes late but within deadClickMs', async () => {
      start();
      const btn = document.getElementById('dead')!;
      btn.addEventListener('click', () => setTimeout(() => btn.setAttribute('aria-expanded', 'true'), 800));
      click(btn);
      await vi.advanceTimersByTimeAsync(1500);
      expect(of('dead_click')).toHaveLength(0);
    });

    it('does not report a menu that opened on pointerdown', async () => {
      start();
      const btn = document.getElementById('dead')!;
      btn.addEventListener('pointerdown', () => (document.getElementById('panel')!.textContent = 'menu'));
      btn.dispatchEvent(new Event('pointerdown', { bubbles: true, composed: true }));
      await vi.advanceTimersByTimeAsync(50);
      click(btn);
      await vi.advanceTimersByTimeAsync(1500);
      expect(of('dead_click')).toHaveLength(0);
    });

    it('does not report a link whose default action was not cancelled (here: a new tab)', () => {
      start();
      click(document.getElementById('link')!);
      vi.advanceTimersByTime(1500);
      expect(of('dead_click')).toHaveLength(0);
    });

    it('reports a script link that cancels navigation and does nothing', () => {
      start();
      const hash = document.getElementById('hash')!;
      hash.addEventListener('click', (e) => e.preventDefault());
      click(hash);
      vi.advanceTimersByTime(1500);
      expect(of('dead_click').map((e) => e.data.target?.id)).toEqual(['hash']);
    });

    it('ignores clicks on plain content and ignored elements', () => {
      start();
      click(document.getElementById('text')!);
      click(document.getElementById('secret')!, 300, 300);
      vi.advanceTimersByTime(1500);
      expect(of('dead_click')).toHaveLength(0);
    });

    it('reports a hammered dead button once as dead_click and once as rage_click', () => {
      start();
      const btn = document.getElementById('dead')!;
      for (let i = 0; i < 4; i++) {
        click(btn);
        vi.advanceTimersByTime(100);
      }
      vi.advanceTimersByTime(2000);
      expect(of('dead_click')).toHaveLength(1);
      expect(of('rage_click')).toHaveLength(1);
    });

    it('uses the configured wait', () => {
      start({ ...OPTS, deadClickMs: 3000 });
      click(document.getElementById('dead')!);
      vi.advanceTimersByTime(2500);
      expect(of('dead_click')).toHaveLength(0);
      vi.advanceTimersByTime(600);
      expect(of('dead_click')).toHaveLength(1);
    });

    it('stops judging and listening when stopped', () => {
      start();
      click(document.getElementById('dead')!);
      stop!();
      stop = undefined;
      vi.advanceTimersByTime(2000);
      click(document.getElementById('dead')!);
      vi.advanceTimersByTime(2000);
      expect(emitted).toHaveLength(0);
      expect(leaves).toHaveLength(0);
      expect(routes).toHaveLength(0);
    });
  });
});
