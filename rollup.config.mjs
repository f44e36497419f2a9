import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { writeFileSync } from 'node:fs';

// dist/waymark.d.ts points at the declarations emitted beside the ESM build.
const dts = {
  name: 'waymark-dts',
  writeBundle() {
    writeFileSync('dist/waymark.d.ts', "export * from './types/index';\n");
  },
};

const ts = (opts = {}) => typescript({ tsconfig: './src/tsconfig.json', ...opts });

const min = terser({
  ecma: 2020,
  module: true,
  compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
  mangle: { properties: false },
  format: { comments: false },
});

export default [
  // ESM for bundlers (readable; the app's bundler minifies) + types.
  {
    input: 'src/index.ts',
    output: { dir: 'dist', format: 'es', entryFileNames: 'waymark.mjs', chunkFileNames: 'waymark-[name].mjs' },
    external: [],
    plugins: [nodeResolve(), ts({ declaration: true, declarationDir: 'dist/types' }), dts],
  },
  // The script-tag build: one IIFE, global `waymark`.
  {
    input: 'src/browser.ts',
    output: { file: 'dist/waymark.min.js', format: 'iife', inlineDynamicImports: true, plugins: [min] },
    plugins: [nodeResolve(), ts()],
  },
  // Web vitals for the script-tag build, loaded on demand by the core.
  {
    input: 'src/vitals-chunk.ts',
    // An ES module: the core imports it, so the browser type-checks it (a mis-served chunk cannot throw in the page).
    output: { file: 'dist/waymark-vitals.js', format: 'es', plugins: [min] },
    plugins: [nodeResolve(), ts()],
  },
];
