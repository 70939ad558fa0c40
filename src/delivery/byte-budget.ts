/**
 * A cap on the attachment bytes one tenant's delivery object holds in memory at once. A callback with files is
 * assembled in memory (the signature covers the whole body, and Web Crypto has no streaming HMAC), and up to
 * 16 sends run at once in an object with 128 MB: each send with files first takes its size from this budget,
 * waiting in arrival order while it would not fit. A send larger than the whole budget runs alone.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Waits until `bytes` fit, takes them, and returns the function that gives them back (once). */
  async acquire(bytes: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.used += bytes;
    else await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.wake();
    };
  }

  /** Bytes taken now (for tests). */
  get inUse(): number {
    return this.used;
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.start();
    }
  }
}
