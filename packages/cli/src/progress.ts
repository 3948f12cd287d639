/**
 * A progress line on a terminal when running many scenarios (nothing when output is piped).
 */
export class Progress {
  #shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream | undefined,
    private readonly total: number,
  ) {}

  get active(): boolean {
    return Boolean(this.stream?.isTTY) && this.total > 1;
  }

  update(done: number, label: string): void {
    if (!this.active || !this.stream) return;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const text = `[${done + 1}/${this.total}] ${label}`.slice(0, width);
    this.stream.write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  clear(): void {
    if (this.#shown && this.stream) this.stream.write('\r\x1b[2K');
    this.#shown = false;
  }
}
