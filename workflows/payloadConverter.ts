/**
 * The worker's payload converter (`dataConverter.payloadConverterPath` and the workflow bundle's
 * `payloadConverterPath`). It encodes exactly as the SDK's default converter does and decodes
 * whatever that converter decodes, but a payload it cannot decode — an encoding mltrl does not
 * read (`text/plain`, `json/protobuf`, …), no encoding, bytes that are not JSON under `json/plain`,
 * a `binary/null` that carries data — becomes an UndecodablePayload instead of an error. The SDK
 * decodes signal and query arguments outside any handler, so an error there fails the workflow task
 * on every attempt; a value lets the handler refuse it like any other bad input (SPEC §5).
 *
 * Runs inside the workflow sandbox: pure and deterministic, no Node built-ins.
 */
import {
  defaultPayloadConverter,
  encodingTypes,
  METADATA_ENCODING_KEY,
  type ConverterHint,
  type Payload,
  type PayloadConverter,
  type SerializationContext,
} from '@temporalio/common';
import { ENCODING_MAX, encodingName, UndecodablePayload } from '../machines/validation.js';

/** The claimed encoding as printable ASCII, read from at most ENCODING_MAX bytes (metadata can be large). */
function claimedEncoding(bytes: Uint8Array): string {
  return encodingName(String.fromCharCode(...bytes.subarray(0, ENCODING_MAX)));
}

const hasData = (payload: Payload): boolean => (payload.data?.length ?? 0) > 0;

/** Why the default converter would throw on `payload`, or undefined when it decodes it. */
function problemWith(payload: Payload): UndecodablePayload | undefined {
  const raw = payload.metadata?.[METADATA_ENCODING_KEY];
  if (!raw || raw.length === 0) return new UndecodablePayload('', 'no-encoding');
  const encoding = claimedEncoding(raw);
  // A name longer than ENCODING_MAX is unknown whatever its first bytes say.
  if (raw.length > ENCODING_MAX || !defaultPayloadConverter.converterByEncoding.has(encoding)) return new UndecodablePayload(encoding, 'unknown-encoding');
  switch (encoding) {
    case encodingTypes.METADATA_ENCODING_NULL:
      return hasData(payload) ? new UndecodablePayload(encoding, 'null-with-data') : undefined;
    case encodingTypes.METADATA_ENCODING_JSON:
      return hasData(payload) ? undefined : new UndecodablePayload(encoding, 'no-data');
    default:
      return undefined;
  }
}

class TolerantPayloadConverter implements PayloadConverter {
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload {
    return defaultPayloadConverter.toPayload(value, context, hint);
  }

  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T {
    const problem = problemWith(payload);
    if (problem) return problem as T;
    try {
      return defaultPayloadConverter.fromPayload<T>(payload, context, hint);
    } catch {
      // Known encoding and data present: only the JSON parse can fail.
      return new UndecodablePayload(claimedEncoding(payload.metadata?.[METADATA_ENCODING_KEY] ?? new Uint8Array()), 'not-json') as T;
    }
  }
}

export const payloadConverter: PayloadConverter = new TolerantPayloadConverter();
