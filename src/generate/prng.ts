/** "00".."ff" by byte value. */
const HEX_BYTE: ReadonlyArray<string> = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** 8 lowercase hex digits of an unsigned 32-bit integer. */
function hex32(x: number): string {
  return HEX_BYTE[x >>> 24] + HEX_BYTE[(x >>> 16) & 255] + HEX_BYTE[(x >>> 8) & 255] + HEX_BYTE[x & 255];
}

/**
 * Seeded pseudo-random numbers: sfc32 (Small Fast Counting, 128-bit state) seeded
 * through splitmix32. The same seed always yields the same sequence on every platform,
 * which is what makes the generator's output byte-identical per seed.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const mix = { s: seed >>> 0 };
    const next = (): number => {
      mix.s = (mix.s + 0x9e3779b9) >>> 0;
      let z = mix.s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal variate (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Random lowercase hex string of `n` characters. */
  hex(n: number): string {
    let out = "";
    while (out.length < n) out += hex32(this.uint32());
    return out.length === n ? out : out.slice(0, n);
  }

  /** A version-4-shaped UUID string (8-4-4-4-12 hex) from 122 random bits. */
  uuid(): string {
    const a = hex32(this.uint32());
    const b = hex32(this.uint32());
    const c = hex32(this.uint32());
    const d = hex32(this.uint32());
    const variant = "89ab"[c.charCodeAt(0) & 3];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }

  /** Fisher-Yates shuffle of a copy of `items`. */
  shuffled<T>(items: ReadonlyArray<T>): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}
