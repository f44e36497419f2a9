/** Entry of dist/waymark-vitals.js: the web-vitals chunk the script-tag build loads lazily. */
import { registerVitalsChunk } from './capture/vitals-load';

if (typeof window !== 'undefined') registerVitalsChunk(window);
