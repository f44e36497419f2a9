/*
 * In-page side of the benchmark. Loaded before any SDK; run.mjs drives it
 * through page.evaluate(). Every SDK is reached through one adapter:
 *   { init(collector), track(name, props), ready?(): Promise, persisted?(n, base): Promise }
 * Competitors' adapters come from their bundles (global BenchSDK); waymark's
 * is below, on top of its real script-tag build.
 */
(function () {
  'use strict';
  var longtasks = [];
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { longtasks.push({ start: e.startTime, duration: e.duration }); });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { /* no longtask support: reported as null */ }

  var sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  var nextTask = function () { return new Promise(function (r) { setTimeout(r, 0); }); };
  var tasksBetween = function (a, b) {
    return longtasks.filter(function (t) { return t.start + t.duration > a && t.start < b; });
  };

  // waymark: count its IndexedDB queue (database `waymark`, store `kv`, keys `e:<id>`).
  function idbCount() {
    return new Promise(function (resolve) {
      var req;
      try { req = indexedDB.open('waymark'); } catch (e) { resolve(-1); return; }
      req.onupgradeneeded = function () { req.transaction.abort(); resolve(0); };
      req.onerror = function () { resolve(0); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains('kv')) { db.close(); resolve(0); return; }
        var c = db.transaction('kv', 'readonly').objectStore('kv').count(IDBKeyRange.bound('e:', 'e:\uffff'));
        c.onsuccess = function () { db.close(); resolve(c.result); };
        c.onerror = function () { db.close(); resolve(-1); };
      };
    });
  }
  function waymarkAccounted() {
    var s = window.waymark.stats();
    var dropped = 0;
    for (var k in s.dropped) dropped += s.dropped[k];
    return { delivered: s.delivered, dropped: dropped, queued: s.queued, storage: s.storage };
  }
  var waymarkAdapter = {
    init: function (collector) { window.waymark('init', { endpoint: collector + '/w' }); },
    track: function (name, props) { window.waymark('track', name, props); },
    // Persisted = every burst event is in IndexedDB, delivered, or dropped and counted.
    // (idb + delivered + dropped) only grows when a new event is written, so deltas are exact.
    base: function () {
      var s = waymarkAccounted();
      return idbCount().then(function (n) { return { idb: n, s: s }; });
    },
    persisted: function (n, base, deadline) {
      var poll = function () {
        var s = waymarkAccounted();
        var check = s.storage === 'indexeddb'
          ? idbCount().then(function (c) { return c - base.idb; })
          : Promise.resolve(s.queued - base.s.queued);
        return check.then(function (stored) {
          var got = stored + (s.delivered - base.s.delivered) + (s.dropped - base.s.dropped);
          if (got >= n || performance.now() > deadline) return { accounted: got, stats: s };
          return sleep(10).then(poll);
        });
      };
      return poll();
    },
  };
  var noopAdapter = { init: function () {}, track: function () {} };

  var sdk;
  var bench = (window.__bench = {
    longtasks: longtasks,
    /** Load the SDK bundle with a script tag inside a task, then init it. */
    load: function (name, src, collector, settleMs) {
      return new Promise(function (resolve, reject) {
        setTimeout(function () {
          // The SPEC's stub snippet, as a site would have it before the async script tag.
          if (name === 'waymark') window.waymark = window.waymark || function () { (window.waymark.q = window.waymark.q || []).push(arguments); };
          var t0 = performance.now();
          var s = document.createElement('script');
          s.src = src;
          s.onerror = function () { reject(new Error('could not load ' + src)); };
          s.onload = function () {
            var res = performance.getEntriesByName(s.src)[0];
            var evalEnd = window.__benchEvalEnd || performance.now();
            var evalMs = evalEnd - (res ? res.responseEnd : t0);
            sdk = name === 'waymark' ? waymarkAdapter : name === 'noop' ? noopAdapter : window.BenchSDK;
            var ti = performance.now();
            try { sdk.init(collector); } catch (e) { reject(e); return; }
            var initMs = performance.now() - ti;
            var ready = sdk.ready ? Promise.resolve(sdk.ready()) : null;
            var readyMs = null;
            Promise.race([ready ? ready.then(function () { readyMs = performance.now() - ti; }) : Promise.resolve(), sleep(10000)])
              .then(function () { return sleep(settleMs == null ? 1000 : settleMs); })
              .then(function () {
                var lt = tasksBetween(t0, performance.now());
                resolve({
                  evalMs: evalMs, initMs: initMs, readyMs: readyMs, fetchMs: res ? res.responseEnd - t0 : null,
                  longtasks: lt.length, longtaskMs: lt.reduce(function (a, t) { return a + t.duration; }, 0),
                  crossOriginIsolated: window.crossOriginIsolated,
                });
              });
          };
          document.head.appendChild(s);
        }, 0);
      });
    },
    /** n track() calls in one task, timed in groups of `group` calls (5 µs timer resolution). */
    trackTiming: function (tag, n, group, deadlineMs) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          var per = [];
          var props = { plan: 'pro', stage: 'decision' };
          var t0 = performance.now();
          for (var g = 0; g < n / group; g++) {
            var a = performance.now();
            for (var i = 0; i < group; i++) sdk.track('bench_' + tag + '_' + (g * group + i), props);
            per.push(((performance.now() - a) * 1000) / group);
            if (performance.now() - t0 > deadlineMs) { g++; break; }
          }
          var calls = Math.min(n, g * group);
          var loopMs = performance.now() - t0;
          nextTask().then(function () {
            var withMicrotasks = performance.now() - t0;
            per.sort(function (x, y) { return x - y; });
            sleep(300).then(function () {
              var lt = tasksBetween(t0, performance.now());
              resolve({
                calls: calls, loopMs: loopMs, withMicrotasksMs: withMicrotasks,
                medianUs: per[Math.floor(per.length / 2)], p95Us: per[Math.floor(per.length * 0.95)],
                longtasks: lt.length, longestMs: lt.reduce(function (a, t) { return Math.max(a, t.duration); }, 0),
              });
            });
          });
        }, 0);
      });
    },
    /** The burst: n track() calls in one task (stopped at deadlineMs), then wait until persisted. */
    burst: function (tag, n, deadlineMs) {
      var basePromise = sdk.base ? sdk.base() : Promise.resolve(null);
      return basePromise.then(function (base) {
        return new Promise(function (resolve) {
          setTimeout(function () {
            var props = { plan: 'pro', stage: 'decision' };
            var t0 = performance.now();
            var done = 0;
            for (; done < n; done++) {
              sdk.track('bench_' + tag + '_' + done, props);
              if ((done & 63) === 63 && performance.now() - t0 > deadlineMs) { done++; break; }
            }
            var loopMs = performance.now() - t0;
            var persisted = sdk.persisted
              ? sdk.persisted(done, base, t0 + 30000)
              : nextTask().then(function () { return null; });
            persisted.then(function (info) {
              var persistedMs = performance.now() - t0;
              sleep(1000).then(function () {
                var lt = tasksBetween(t0, t0 + persistedMs + 500);
                resolve({
                  calls: done, loopMs: loopMs, persistedMs: persistedMs, info: info,
                  longtasks: lt.length, longestMs: lt.reduce(function (a, t) { return Math.max(a, t.duration); }, 0),
                  longtaskMs: lt.reduce(function (a, t) { return a + t.duration; }, 0),
                });
              });
            });
          }, 0);
        });
      });
    },
    /** n track() calls, then leave for another origin in the same task. */
    exit: function (tag, n, url) {
      setTimeout(function () {
        var props = { plan: 'pro', stage: 'decision' };
        for (var i = 0; i < n; i++) sdk.track('bench_' + tag + '_' + i, props);
        location.href = url;
      }, 0);
      return true;
    },
  });
  void bench;
})();
