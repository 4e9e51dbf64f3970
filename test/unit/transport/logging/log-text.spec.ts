import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_LOG_VALUE, logText, logValue } from '../../../../lib/transport/logging/log-text.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/; // eslint-disable-line no-control-regex

describe('logText', () => {
  it('escapes newlines, tabs and terminal escapes', () => {
    expect(logText('a\nb\r\tc\u001b[31m\u2028')).toBe('a\\nb\\r\\tc\\u001b[31m\\u2028');
  });

  it('cuts long text and says how much was cut', () => {
    expect(logText('x'.repeat(10), 4)).toBe('xxxx...(+6 chars)');
    expect(logValue('y'.repeat(MAX_LOG_VALUE + 5))).toBe(`"${'y'.repeat(MAX_LOG_VALUE)}...(+5 chars)"`);
  });

  it('leaves plain text as it is', () => {
    expect(logText('queue "orders", delivery 3')).toBe('queue "orders", delivery 3');
  });

  it('never lets a control character through and stays bounded, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), fc.integer({ min: 1, max: 300 }), (text, max) => {
        const out = logText(text, max);
        expect(CONTROL.test(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(max + '...(+ chars)'.length + String(text.length).length);
      }),
    );
  });
});
