// A local waymark collector: receives event batches, validates them, dedupes
// them by id, keeps them in an append-only JSONL file, serves a JSON API and
// the live journey view. Node built-ins only, so it runs anywhere `node` does.
//
//   node examples/collector.mjs            # http://127.0.0.1:8787/journey/
//   PORT=9000 node examples/collector.mjs
//
// Routes (the README's "The example collector" has the limits and answers):
//   POST <any path>       a batch: { sentAt, events } / { v: 2, shared, events } (waymark) or { batch } (Segment)
//   GET  /api/events      stored events, oldest first, paginated (?after=<cursor>&limit=, ?since=<ISO time>)
//   GET  /api/journeys    funnel, visitors, channels, forms, vitals
//   GET  /events/stream   Server-Sent Events: `events` whenever new events arrive
//   GET  /journey/        the journey view
//
// The pieces: collector/server.mjs (HTTP), collector/ingest.mjs (validation,
// wire format v1/v2, Segment mapping), collector/storage.mjs (durable JSONL,
// caps), collector/analytics.mjs (pure journey analytics), collector/static.mjs.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from './collector/server.mjs';

export { createCollector, startCollector, MAX_BODY_BYTES } from './collector/server.mjs';
export { aggregate, subject, DEFAULT_ORDER } from './collector/analytics.mjs';
export { readBatch, validateEvent } from './collector/ingest.mjs';
export { createStorage } from './collector/storage.mjs';
export { CSP, MIME, serveFile } from './collector/static.mjs';

// `node examples/collector.mjs` runs the collector alone.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 8787);
  startCollector({ port }).then(
    (c) => {
      console.log(`\n  waymark collector on ${c.url}/collect\n  journey view:  ${c.url}/journey/\n  stored in:     ${c.file}\n`);
      const stop = () => c.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error) => {
      if (error.code === 'EADDRINUSE') {
        console.error(`port ${port} is busy; try PORT=${port + 1} node examples/collector.mjs`);
      } else console.error(error.message ?? error);
      process.exit(1);
    },
  );
}
