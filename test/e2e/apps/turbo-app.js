// Turbo 8 Drive, bundled by apps.e2e.test.ts with esbuild: same-origin links become fetch + render visits.
import * as Turbo from '@hotwired/turbo';

Turbo.start();
