/**
 * Dropbox content_hash, computed while bytes stream past: SHA-256 per 4 MiB block, SHA-256 over the
 * concatenated block digests, lowercase hex (https://www.dropbox.com/developers/reference/content-hash).
 * Lets uploads be verified end to end and echoes of our own writes be recognised without downloading.
 */
import { createHash, type Hash } from 'node:crypto';

export const DROPBOX_HASH_BLOCK_BYTES = 4 * 1024 * 1024;

export class DropboxContentHasher {
  private overall = createHash('sha256');
  private block: Hash = createHash('sha256');
  private blockFill = 0;

  update(data: Uint8Array): this {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(DROPBOX_HASH_BLOCK_BYTES - this.blockFill, data.length - offset);
      this.block.update(data.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === DROPBOX_HASH_BLOCK_BYTES) {
        this.overall.update(this.block.digest());
        this.block = createHash('sha256');
        this.blockFill = 0;
      }
    }
    return this;
  }

  /** Hex digest; the hasher cannot be used afterwards. */
  digest(): string {
    if (this.blockFill > 0) this.overall.update(this.block.digest());
    return this.overall.digest('hex');
  }
}

export function dropboxContentHash(data: Uint8Array): string {
  return new DropboxContentHasher().update(data).digest();
}

/** Hashes a whole stream without keeping it (e.g. a CRM file, to skip an upload whose bytes Dropbox already has). */
export async function dropboxContentHashOfStream(source: AsyncIterable<Uint8Array>): Promise<{ hash: string; size: number }> {
  const hasher = new DropboxContentHasher();
  let size = 0;
  for await (const chunk of source) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { hash: hasher.digest(), size };
}
