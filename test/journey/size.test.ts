// @vitest-environment node
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The default rules and touchpoints, minified and gzipped, against their
 * budget: 3087 bytes (zlib level 9) before the seven-language defaults (issue 15) plus at
 * most 2 KB for them.
 */
const BUDGET = 3087 + 2048;

describe('size of the default rules', () => {
  it(`defaults + touchpoints stay within ${BUDGET} bytes gzip`, async () => {
    const { outputFiles } = await build({
      stdin: {
        contents: "export { defaultRules } from './src/journey/defaults'; export { classifyTouch, isNewTouch } from './src/journey/touchpoints';",
        resolveDir: fileURLToPath(new URL('../../', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      // Shared helpers (src/lib) serve the whole SDK: not the default rules' cost.
      external: ['../lib/url'],
      minify: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const gz = gzipSync(outputFiles[0]!.contents, { level: 9 }).length;
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });
});
