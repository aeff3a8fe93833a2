// The runner's framing on stdin and stdout: each message is preceded by its length as a
// 32-bit big-endian integer (not protobuf's varint delimiting, so @bufbuild/protobuf's helpers do not fit).

/** Yields each size-delimited message of `stream`; throws if the stream ends inside one. */
export async function* readSizeDelimited(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buffered = Buffer.alloc(0);
  for await (const chunk of stream) {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
      const size = buffered.readUInt32BE(0);
      yield buffered.subarray(4, 4 + size);
      buffered = buffered.subarray(4 + size);
    }
  }
  if (buffered.length > 0) throw new Error(`input ended inside a message (${buffered.length} bytes left)`);
}

/** `message` with its 4-byte big-endian length in front. */
export function sizeDelimited(message: Uint8Array): Uint8Array {
  const framed = Buffer.alloc(4 + message.length);
  framed.writeUInt32BE(message.length, 0);
  framed.set(message, 4);
  return framed;
}
