// Storage: an append-only JSONL file of events, deduped by id, with a cap on
// what it holds. An id counts as stored only once its line is on disk
// (written and fsynced): a failed write leaves it unseen, so a retry stores it.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Default cap on the events file: 32 MB (the events are also held in memory). */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** Default cap on the number of stored events. */
export const DEFAULT_MAX_EVENTS = 100_000;
/** Bytes of events one page of `page()` holds at most (always at least one event). */
export const PAGE_BYTES = 4 * 1024 * 1024;

/** Append `text` to `file` and fsync it; on failure, cut the file back to where it was. */
export async function appendDurably(file, text) {
  const handle = await open(file, 'a');
  let size = -1;
  try {
    size = (await handle.stat()).size;
    await handle.write(text);
    await handle.sync();
  } catch (error) {
    // Best effort: a torn line would otherwise sit in front of the next append.
    if (size >= 0) await handle.truncate(size).catch(() => {});
    throw error;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Read every stored event; a torn line (a crash mid-write) is skipped. */
export function loadEvents(file) {
  if (!existsSync(file)) return { events: [], sizes: [], bytes: 0, endsClean: true };
  const data = readFileSync(file);
  const events = [];
  const sizes = [];
  for (const line of data.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line);
      if (event && typeof event === 'object' && typeof event.id === 'string') {
        events.push(event);
        sizes.push(Buffer.byteLength(line));
      }
    } catch {
      /* partial line from an interrupted write */
    }
  }
  return { events, sizes, bytes: data.length, endsClean: !data.length || data[data.length - 1] === 0x0a };
}

/** Why a batch was not stored: `full` (the cap) or `write` (the disk said no). */
export class StorageError extends Error {
  constructor(code, message, cause) {
    super(message, { cause });
    this.code = code;
  }
}

/**
 * The event store over `file`. `write(file, text)` is the durable append
 * (injectable, so tests can make it fail). `add(events)` resolves to
 * `{ added, duplicates }` once the new events are on disk, or rejects with a
 * `StorageError`. Calls to `add` run one at a time, in order.
 */
export function createStorage({
  file,
  maxBytes = DEFAULT_MAX_BYTES,
  maxEvents = DEFAULT_MAX_EVENTS,
  write = appendDurably,
  log = (line) => console.log(line),
} = {}) {
  mkdirSync(dirname(file), { recursive: true });
  const loaded = loadEvents(file);
  const events = loaded.events;
  const sizes = loaded.sizes; // bytes of each event's line, for page sizes
  const seen = new Set(events.map((event) => event.id));
  let bytes = loaded.bytes;
  let needsNewline = !loaded.endsClean;
  let warned = false;
  let queue = Promise.resolve();

  function full(extraBytes, extraEvents) {
    if (bytes + extraBytes <= maxBytes && events.length + extraEvents <= maxEvents) return null;
    const message = `storage is full: ${events.length} events, ${(bytes / 1048576).toFixed(1)} MB in ${file} (cap ${maxEvents} events, ${(maxBytes / 1048576).toFixed(1)} MB)`;
    if (!warned) {
      warned = true;
      log(`waymark collector: ${message}; new events are answered 507 until the file is moved away or the cap raised`);
    }
    return new StorageError('full', message);
  }

  async function store(batch) {
    const fresh = [];
    const ids = new Set();
    let duplicates = 0;
    for (const event of batch) {
      if (seen.has(event.id) || ids.has(event.id)) duplicates += 1;
      else {
        ids.add(event.id);
        fresh.push(event);
      }
    }
    if (!fresh.length) return { added: [], duplicates };
    const lines = fresh.map((event) => JSON.stringify(event));
    const text = (needsNewline ? '\n' : '') + lines.join('\n') + '\n';
    const size = Buffer.byteLength(text);
    const problem = full(size, fresh.length);
    if (problem) throw problem;
    try {
      await write(file, text);
    } catch (error) {
      // Whatever part reached the disk must not glue itself to the next line.
      needsNewline = true;
      throw new StorageError('write', `could not write ${file}: ${error?.message ?? error}`, error);
    }
    needsNewline = false;
    bytes += size;
    // Held as they will be read back after a restart.
    const added = lines.map((line) => JSON.parse(line));
    added.forEach((event, i) => {
      seen.add(event.id);
      events.push(event);
      sizes.push(Buffer.byteLength(lines[i]));
    });
    return { added, duplicates };
  }

  function add(batch) {
    const result = queue.then(() => store(batch));
    queue = result.catch(() => {});
    return result;
  }

  /**
   * A page of events in stored order: those after position `after` (a cursor
   * from an earlier page; 0 = the start), at most `limit`, optionally only
   * those received or timestamped after `since`, and about `maxBytes` of
   * them. `next` is the cursor of the following page, or null on the last;
   * `cursor` is where this page ends.
   */
  function page({ after = 0, limit = 1000, since, maxBytes = PAGE_BYTES } = {}) {
    const out = [];
    let size = 0;
    let i = after;
    for (; i < events.length && out.length < limit; i++) {
      const event = events[i];
      if (since && !(String(event.receivedAt ?? '') > since || String(event.timestamp ?? '') > since)) continue;
      if (out.length && size + sizes[i] > maxBytes) break;
      size += sizes[i];
      out.push(event);
    }
    return { events: out, next: i < events.length ? String(i) : null, cursor: String(i) };
  }

  return {
    file,
    add,
    page,
    has: (id) => seen.has(id),
    list: () => events,
    count: () => events.length,
    bytes: () => bytes,
    limits: { maxBytes, maxEvents },
  };
}
