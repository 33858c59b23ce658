/**
 * Hostile input for the security suites: strings, JSON values and raw bodies built to break
 * parsers, validators, SQL and storage (NUL, lone surrogates, RTL and zero-width marks, huge
 * numbers, prototype-pollution keys, deep nesting, malformed JSON).
 */
import fc from 'fast-check';

/** Strings every text field should survive. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\ude00y', '\u202eevil\u202c', '\u200b\u200c\u200d\ufeff', '\u2028\u2029',
  '👨‍👩‍👧‍👦🏳️‍🌈', 'مرحبا بالعالم', 'שלום', '你好，订单在哪里', 'Ω≈ç√∫', 'ｆｕｌｌｗｉｄｔｈ', 'e\u0301\u0301\u0301', '\u0007\u001b[31m',
  "'; DROP TABLE customers; --", "' OR 1=1 --", '" OR ""="', '$1', '$1::text', '\\', "\\'", '\\\\', '%', '_', '%_%', '*', 'NULL', 'null',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${7*7}', '%s%n%x', '../../etc/passwd',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'A1023', 'PO-10002', 'STOP', '退订', 'x'.repeat(4001),
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 5 }).map((parts) => parts.join(' ')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }) },
);

export const hugeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 2 ** 31, 2 ** 63, 1e-320, 0.1 + 0.2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, with nasty strings and numbers mixed in. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString, hugeNumber, fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A value for a field that expects `good`: usually wrong in type or content. */
export const fieldValue = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 2, arbitrary: good }, { weight: 3, arbitrary: nastyString }, { weight: 1, arbitrary: nastyJson }, { weight: 1, arbitrary: hugeNumber });

/** Builds JSON text from an object, keeping keys such as `__proto__` as own keys. */
export function jsonText(fields: Record<string, unknown>): string {
  return `{${Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
}

/** Prototype-pollution shapes, merged into a JSON object's text. */
export const pollution: fc.Arbitrary<string> = fc.constantFrom(
  '"__proto__":{"polluted":"yes","isAdmin":true}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"__proto__":[1,2,3]',
  '"__proto__":null',
  '"prototype":{"polluted":"yes"}',
  '"toString":"x","valueOf":1,"hasOwnProperty":null',
);

/** Adds a pollution fragment to JSON object text. */
export function withPollution(objectText: string, fragment: string): string {
  return objectText === '{}' ? `{${fragment}}` : `{${fragment},${objectText.slice(1)}`;
}

/** Raw bodies that are not valid JSON, or are JSON of the wrong shape. */
export const malformedBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', '{', '}', '{"text":', '{"text":"hi"', '{"text":"hi"}}', '[', 'null', 'true', '0', '"text"', '[]', '{}', 'NaN', '{"text":NaN}', '{"text":Infinity}',
    '{"text":1e999}', '{"text":"\\ud800"}', '{"text":"\\u0000"}', '{"text":"bad \\x escape"}', "{'text':'single quotes'}", '{"text":"hi",}', '\ufeff{"text":"bom"}',
    '{"a":1,"a":2}', '{"text":"' + 'x'.repeat(300_000) + '"}', '[' .repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
    '[' .repeat(120_000) + ']'.repeat(120_000), '\u0000', '<xml/>', 'text=hi', '--boundary\r\n',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null').chain((s) => fc.nat({ max: Math.max(0, s.length) }).map((n) => s.slice(0, n))),
);

/** Content-Type headers a client might send. */
export const contentType: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=bogus',
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', 'APPLICATION/JSON', '*/*', 'application/json;;;',
      'application/json; charset="utf-8"', 'text/html', 'a'.repeat(2000),
    ),
  },
);

/** Other headers thrown at every endpoint. */
export const abusiveHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus', 'gzip, gzip'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '127.0.0.1, 10.0.0.1', 'not-an-ip', '::1', ''),
    accept: fc.constantFrom('text/html', 'application/xml', '*/*', 'application/json;q=0'),
    'accept-language': fc.constantFrom('zh-CN', 'xx', '*;q=2', 'a'.repeat(500)),
    'x-shop-signature': fc.constantFrom('sha256=', 'sha256=00', 'sha256=' + 'g'.repeat(64), 'md5=abc', ''),
    'x-telegram-bot-api-secret-token': fc.constantFrom('', 'x', 'a'.repeat(300)),
    authorization: fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer ' + 'a'.repeat(2000), "Bearer ' OR 1=1 --"),
  },
  { requiredKeys: [] },
);
