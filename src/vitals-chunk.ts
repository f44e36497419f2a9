/**
 * Entry of dist/waymark-vitals.js: the web-vitals chunk the script-tag build
 * imports on demand. An ES module with one export, no side effects.
 */
export { startVitals } from './capture/vitals-load';
