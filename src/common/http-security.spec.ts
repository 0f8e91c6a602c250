import fc from 'fast-check';
import { scanJson } from 'src/common/http-security';

/** Nesting depth of a parsed JSON value: a scalar is 0, an array or object one more than its deepest child. */
function depth(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depth));
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasNul);
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
}

/** JSON values whose strings often hold brackets, quotes, backslashes and now and then a NUL. */
const tricky = fc.string({
  unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'u', '0', 'a', '\u0000'),
  maxLength: 8,
});
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tricky,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Not Unicode text: a high surrogate without its low half, or a low half alone. */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Strings of any UTF-16 code units, surrogates (paired or not) and NUL included. */
const codeUnits = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)),
    fc.constantFrom('a', '"', '\\', '\u0000', '😀', 'Đ'),
  ),
  maxLength: 6,
});

describe('scanJson', () => {
  it('finds the nesting depth of any JSON text exactly, brackets in strings aside', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (v, max) => {
        fc.pre(!hasNul(v));
        expect(scanJson(JSON.stringify(v), max)).toBe(depth(v) > max ? 'too_deep' : 'ok');
      }),
      { numRuns: 2000, seed: 41 },
    );
  });

  it('finds a NUL character in any string of a JSON text that is not too deep', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(scanJson(JSON.stringify(v), 1000)).toBe(hasNul(v) ? 'nul' : 'ok');
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('finds a lone surrogate, and only that, in any string', () => {
    fc.assert(
      fc.property(fc.array(codeUnits, { maxLength: 4 }), (strings) => {
        fc.pre(!strings.some((x) => x.includes('\u0000')));
        const bad = strings.some((x) => LONE.test(x));
        expect(scanJson(JSON.stringify(strings), 32)).toBe(bad ? 'lone_surrogate' : 'ok');
      }),
      { numRuns: 3000, seed: 43 },
    );
  });

  it('reads the text "\\u0000" (an escaped backslash) as text, not as a NUL', () => {
    expect(scanJson(JSON.stringify({ a: '\\u0000' }), 32)).toBe('ok');
    expect(scanJson(JSON.stringify({ a: '\u0000' }), 32)).toBe('nul');
  });

  it('stops at the first level too deep, even in an unbalanced text', () => {
    expect(scanJson('['.repeat(1_000_000), 32)).toBe('too_deep');
    expect(scanJson('['.repeat(32) + ']'.repeat(32), 32)).toBe('ok');
    expect(scanJson('['.repeat(33) + ']'.repeat(33), 32)).toBe('too_deep');
  });
});
