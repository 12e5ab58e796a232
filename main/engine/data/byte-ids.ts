/**
 * A dictionary from id bytes to dense indices that looks ids up straight from a file buffer, so
 * ids seen before cost no string allocation. Open addressing over FNV-1a hashes; each slot keeps
 * [hash, index + 1, arena offset, length] together so a probe touches one cache line.
 */
export class ByteIdTable {
  readonly ids: string[] = [];
  private slots = new Int32Array(4 << 12);
  private arena = new Uint8Array(1 << 16);
  private used = 0;

  /** `initial` ids (distinct) take indices 0, 1, … in order. */
  constructor(initial: readonly string[] = []) {
    for (const id of initial) {
      const bytes = Buffer.from(id, 'utf8');
      this.insert(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length), id);
    }
  }

  /** Index of the id in buf[start, end), or -1. */
  find(buf: Uint8Array, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    const len = end - start;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const at = s << 2;
      const index = slots[at + 1]!;
      if (index === 0) return -1;
      if (slots[at] === hash && slots[at + 3] === len && this.equals(slots[at + 2]!, buf, start, len)) return index - 1;
    }
  }

  /** Index of the id in buf[start, end), adding it when new. */
  intern(buf: Uint8Array, start: number, end: number, hash: number): number {
    const k = this.find(buf, start, end, hash);
    return k >= 0 ? k : this.insert(buf, start, end, hash, Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8'));
  }

  private equals(at: number, buf: Uint8Array, start: number, len: number): boolean {
    const arena = this.arena;
    for (let j = 0; j < len; j++) if (arena[at + j] !== buf[start + j]) return false;
    return true;
  }

  private insert(buf: Uint8Array, start: number, end: number, hash: number, id: string): number {
    const k = this.ids.length;
    const len = end - start;
    if (this.used + len > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      next.set(this.arena);
      this.arena = next;
    }
    this.arena.set(buf.subarray(start, end), this.used);
    this.ids.push(id);
    if ((k + 1) * 2 > this.slots.length >> 2) this.rehash();
    this.place(this.slots, hash, k + 1, this.used, len);
    this.used += len;
    return k;
  }

  private place(slots: Int32Array, hash: number, index: number, at: number, len: number): void {
    const mask = (slots.length >> 2) - 1;
    let s = hash & mask;
    while (slots[(s << 2) + 1] !== 0) s = (s + 1) & mask;
    const base = s << 2;
    slots[base] = hash;
    slots[base + 1] = index;
    slots[base + 2] = at;
    slots[base + 3] = len;
  }

  private rehash(): void {
    const old = this.slots;
    const next = new Int32Array(old.length * 2);
    for (let base = 0; base < old.length; base += 4) if (old[base + 1] !== 0) this.place(next, old[base]!, old[base + 1]!, old[base + 2]!, old[base + 3]!);
    this.slots = next;
  }
}

export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let j = start; j < end; j++) h = Math.imul(h ^ buf[j]!, 0x01000193);
  // final avalanche (murmur3 fmix32): FNV-1a alone leaves the low bits that pick the slot weak
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
