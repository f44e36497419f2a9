/**
 * Path and host globs for stage rules, compiled to backtracking-safe regexes.
 *
 * Every wildcard compiles to a character class that cannot cross the
 * separator after it (`[^/]` in paths), and each `**` repetition starts with
 * the one `/` its body cannot consume: no nested ambiguity, so no exponential
 * backtracking. Glob length and wildcard count are bounded (and the matcher
 * skips paths over 2048 characters) so the polynomial worst case stays small.
 */

// Characters that are never part of a sensible glob: whitespace and regex syntax.
const BAD_PATH = /[\s()[\]{}^$|\\+?]/;
const BAD_HOST = /[\s()[\]{}^$|\\+?/#@]/;
const MAX_LEN = 256;
const MAX_STARS = 4;
// Page extensions ignored at the end of a path: `/pricing` also matches `/pricing.html`.
const EXT = '\\.(?:html?|php|aspx?|jsp)';
const ANY = '(?:/[^/]*)*';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A literal or `*` segment with no extension of its own: the glob ends in one of `EXT` optionally. */
const plain = (seg?: string): boolean => seg !== undefined && seg !== '**' && !seg.includes('.');

function starCount(glob: string): number {
  return glob.split('*').length - 1;
}

/**
 * Normalise a path glob into segments: no empty segments (so leading,
 * trailing and doubled slashes do not matter), runs of `*` collapsed,
 * consecutive `**` merged. Null when the glob is unusable. The limits (two
 * `**`, two `*` inside one segment, four wildcards in all) keep the
 * worst-case regex work tiny even on hostile URLs.
 */
function pathSegments(glob: string): string[] | null {
  if (typeof glob !== 'string' || !glob || glob.length > MAX_LEN || BAD_PATH.test(glob)) return null;
  const out: string[] = [];
  let globstars = 0;
  let stars = 0;
  for (const raw of glob.split('/')) {
    if (!raw) continue;
    const seg = raw.replace(/\*{2,}/g, '**');
    if (seg === '**') {
      if (out[out.length - 1] === '**') continue;
      globstars++;
    } else {
      if (seg.includes('**')) return null; // `a**b`: say it is wrong instead of guessing
      const n = starCount(seg);
      if (n > 2) return null;
      stars += n;
    }
    out.push(seg);
  }
  return globstars > 2 || globstars + stars > MAX_STARS ? null : out;
}

/**
 * Compile a path glob to a RegExp, or null when the glob is unusable (empty,
 * whitespace, regex syntax such as `(`, or too many wildcards: at most two `**`, two `*` in one
 * segment, four in all).
 * `*` is one path segment (or part of one: `/blog-*`), `**` any number of
 * segments including none (`**\/pricing` matches `/pricing` and
 * `/en/pricing`). Case-insensitive; trailing slashes are ignored on both
 * sides; a glob whose last segment has no extension also matches `.html`,
 * `.htm`, `.php`, `.asp`, `.aspx` and `.jsp` pages.
 */
export function compilePathGlob(glob: string): RegExp | null {
  const segs = pathSegments(glob);
  if (!segs) return null;
  // `(?:/[^/]*)*`: each repetition starts with the one `/` its body cannot
  // consume, so the split of a path into repetitions is unique.
  const parts = segs.map((seg) => (seg === '**' ? ANY : '/' + (seg === '*' ? '[^/]+' : escape(seg).replace(/\\\*/g, '[^/]*'))));
  const n = segs.length;
  if (plain(segs[n - 1])) parts.push(`(?:${EXT})?`);
  // `/pricing/**` also matches `/pricing.html`: the trailing loop becomes "extension or sub-paths".
  else if (segs[n - 1] === '**' && plain(segs[n - 2])) parts[n - 1] = `(?:${EXT}|${ANY})`;
  return new RegExp(`^${parts.join('')}/?$`, 'i');
}

/**
 * The longest whole literal segment (no `*`) every path matched by `glob`
 * must contain, lowercased, or '' when it has none (`/*`, `/blog-*`). An
 * index key: a path lacking that segment (see `pathKeys`) cannot match.
 */
export function pathGlobKey(glob: string): string {
  let best = '';
  for (const seg of pathSegments(glob) ?? []) if (!seg.includes('*') && seg.length > best.length) best = seg;
  return best.toLowerCase();
}

const EXT_END = new RegExp(EXT + '$');

/** The lowercased segments of a path, each also without a page extension: the keys its globs are indexed by. */
export function pathKeys(path: string): string[] {
  const keys: string[] = [];
  for (const seg of path.toLowerCase().split('/')) {
    if (!seg) continue;
    keys.push(seg);
    const bare = seg.replace(EXT_END, '');
    if (bare !== seg) keys.push(bare);
  }
  return keys;
}

/**
 * Compile a host glob (`*.google.*`, `news.ycombinator.com`) to a RegExp, or
 * null when it is unusable. `*` matches any characters, dots included; a
 * leading `*.` also matches the bare domain (`*.example.com` matches
 * `example.com`). Case-insensitive; a trailing dot is ignored.
 */
export function compileHostGlob(glob: string): RegExp | null {
  if (typeof glob !== 'string' || glob.length > MAX_LEN || BAD_HOST.test(glob)) return null;
  const g = glob.toLowerCase().replace(/\*+/g, '*').replace(/\.$/, '');
  // `*.` then the domain: the subdomain part is optional, so the bare domain matches too.
  const anySub = g.startsWith('*.');
  const rest = anySub ? g.slice(2) : g;
  if (!rest || g === '.' || starCount(g) > 2 || g.includes('..')) return null;
  return new RegExp(`^${anySub ? '(?:.*\\.)?' : ''}${escape(rest).replace(/\\\*/g, '.*')}\\.?$`, 'i');
}
