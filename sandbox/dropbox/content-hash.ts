/**
 * Dropbox content_hash (providers.md §1.8): SHA-256 of each 4 MiB block, the binary digests
 * concatenated, SHA-256 of that, lowercase hex. The emulator keeps its own copy (the app has another):
 * sandbox and app never import each other.
 */
import { createHash, type Hash } from 'node:crypto';

export const CONTENT_HASH_BLOCK_BYTES = 4 * 1024 * 1024;

export class ContentHasher {
  private overall = createHash('sha256');
  private block: Hash = createHash('sha256');
  private blockFill = 0;

  update(data: Uint8Array): this {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(CONTENT_HASH_BLOCK_BYTES - this.blockFill, data.length - offset);
      this.block.update(data.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === CONTENT_HASH_BLOCK_BYTES) {
        this.overall.update(this.block.digest());
        this.block = createHash('sha256');
        this.blockFill = 0;
      }
    }
    return this;
  }

  digest(): string {
    if (this.blockFill > 0) this.overall.update(this.block.digest());
    return this.overall.digest('hex');
  }
}

export function contentHash(data: Uint8Array): string {
  return new ContentHasher().update(data).digest();
}
