/**
 * Shares identical strings (Contact URIs, route sets) between calls: through one
 * proxy every call carries the same Record-Route, and 10,000 copies would cost
 * more heap than the rest of the call. Bounded, so a peer sending unique values
 * cannot grow it without limit.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly routeSets = new Map<string, string[]>();
  constructor(private readonly max: number) {}

  get(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < this.max) this.strings.set(s, s);
    return s;
  }

  routes(r: string[]): string[] {
    const key = r.join('\n');
    const hit = this.routeSets.get(key);
    if (hit !== undefined) return hit;
    if (this.routeSets.size < this.max) this.routeSets.set(key, r);
    return r;
  }
}
