/**
 * The worker's payload converter on its own (no server): it encodes byte for byte as the SDK's
 * default converter, decodes what that converter decodes to the same value, and turns every other
 * payload into a small UndecodablePayload that parseInput refuses with one line naming the encoding.
 */
import { defaultPayloadConverter, encodingTypes, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ENCODING_MAX, InputError, parseInput, UndecodablePayload } from '../../machines/validation.js';
import { payloadConverter } from '../../workflows/payloadConverter.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const payload = (encoding: string | undefined, data?: string | Uint8Array): Payload => ({
  metadata: encoding === undefined ? {} : { [METADATA_ENCODING_KEY]: bytes(encoding) },
  ...(data === undefined ? {} : { data: typeof data === 'string' ? bytes(data) : data }),
});

describe('the payload converter', () => {
  it('encodes exactly as the default converter and decodes what it decodes to the same value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.uint8Array()), (value) => {
        const ours = payloadConverter.toPayload(value);
        expect(ours).toEqual(defaultPayloadConverter.toPayload(value));
        expect(payloadConverter.fromPayload(ours)).toEqual(defaultPayloadConverter.fromPayload(ours));
      }),
    );
  });

  it.each([
    ['text/plain', payload('text/plain', '{}'), new UndecodablePayload('text/plain', 'unknown-encoding')],
    ['json/protobuf', payload('json/protobuf', '{}'), new UndecodablePayload('json/protobuf', 'unknown-encoding')],
    ['binary/protobuf', payload('binary/protobuf', '\u0008\u0001'), new UndecodablePayload('binary/protobuf', 'unknown-encoding')],
    ['no encoding key', payload(undefined, '{}'), new UndecodablePayload('', 'no-encoding')],
    ['no metadata at all', { data: bytes('{}') }, new UndecodablePayload('', 'no-encoding')],
    ['an empty encoding', payload('', '{}'), new UndecodablePayload('', 'no-encoding')],
    ['invalid JSON under json/plain', payload(encodingTypes.METADATA_ENCODING_JSON, '{"a": '), new UndecodablePayload('json/plain', 'not-json')],
    ['json/plain without data', payload(encodingTypes.METADATA_ENCODING_JSON), new UndecodablePayload('json/plain', 'no-data')],
    ['binary/null carrying data', payload(encodingTypes.METADATA_ENCODING_NULL, 'zz'), new UndecodablePayload('binary/null', 'null-with-data')],
  ])('%s: decodes to an UndecodablePayload instead of throwing', (_label, input, expected) => {
    const decoded = payloadConverter.fromPayload(input);
    expect(decoded).toBeInstanceOf(UndecodablePayload);
    expect(decoded).toEqual(expected);
    expect(Object.isFrozen(decoded)).toBe(true);
  });

  it('keeps at most ENCODING_MAX printable characters of any claimed encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 5_000 }), (name) => {
        const decoded = payloadConverter.fromPayload({ metadata: { [METADATA_ENCODING_KEY]: name }, data: bytes('{}') });
        if (!(decoded instanceof UndecodablePayload)) return; // one of the default's own encodings
        expect(decoded.encoding.length).toBeLessThanOrEqual(ENCODING_MAX);
        expect(decoded.encoding).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });

  it('a JSON object shaped like the marker is just JSON, not an undecodable payload', () => {
    const spoof = payloadConverter.fromPayload(payload('json/plain', '{"encoding": "text/plain", "reason": "unknown-encoding"}'));
    expect(spoof).not.toBeInstanceOf(UndecodablePayload);
  });
});

describe('parseInput on an undecodable payload', () => {
  const Schema = z.strictObject({ by: z.string() });
  const messageFor = (input: unknown) => {
    try {
      parseInput(Schema, input, 'submit');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('names the message, the encoding and the rule on one line', () => {
    expect(messageFor(new UndecodablePayload('text/plain', 'unknown-encoding'))).toBe(`submit: the payload's encoding "text/plain" is not one mltrl reads: send JSON (json/plain)`);
    expect(messageFor(new Uint8Array([1, 2, 3]))).toBe(`submit: the payload's encoding "binary/plain" is not one mltrl reads: send JSON (json/plain)`);
    expect(messageFor(new UndecodablePayload('json/plain', 'not-json'))).toBe(`submit: the payload's bytes are not valid JSON under encoding "json/plain": send JSON (json/plain)`);
    expect(messageFor(new UndecodablePayload('', 'no-encoding'))).toBe(`submit: the payload has no encoding in its metadata: send JSON (json/plain)`);
  });
});
