// Where bytes come from. Parsers consume chunks, so a file never has to sit in memory whole:
// memory is bounded by the matrix being built, not by the text.

export interface ByteSource {
  /** The name used in error messages: usually the file path. */
  readonly name: string;
  chunks(): AsyncIterable<Uint8Array>;
}

/** A source over bytes or text already in memory, cut into chunks (tests use small chunks). */
export function memorySource(name: string, data: Uint8Array | string, chunkSize = 1 << 16): ByteSource {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    name,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
    },
  };
}

/** The lower-cased extension of a name, with the dot ('' when there is none). */
export function extensionOf(name: string): string {
  const base = name.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}
