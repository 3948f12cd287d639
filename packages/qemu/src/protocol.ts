/**
 * The lock-step protocol spoken over the guest's serial console.
 *
 * The host writes one line per command: a sequence number and the command in base64 (so quotes,
 * newlines and control bytes never meet the tty). The guest runs it and answers with lines tagged by
 * a token chosen per boot, so nothing else on the console (SeaBIOS escapes, kernel messages) can be
 * mistaken for an answer:
 *
 *     @@PW-READY <token>@@                                   driver started
 *     @@PW-SETUP-FAILED <token> <reason>@@                   /init could not set up (a 9p mount, ...)
 *     @@PW-O <token> <seq> <base64>                          a chunk of stdout
 *     @@PW-E <token> <seq> <base64>                          a chunk of stderr
 *     @@PW-END <token> <seq> <status> <stdout bytes> <stderr bytes>@@
 *
 * Markers are matched anywhere in a line; the byte counts catch output a kernel message broke into.
 */

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProtocolAnswer extends ExecResult {
  readonly seq: number;
}

export function encodeCommand(seq: number, command: string): string {
  return `${seq} ${Buffer.from(command, 'utf8').toString('base64')}\n`;
}

const B64 = '[A-Za-z0-9+/=]+';

export interface ConsoleHandlers {
  answer(answer: ProtocolAnswer): void;
  ready?(): void;
  setupFailed?(reason: string): void;
  error?(message: string): void;
}

interface Pending {
  out: string[];
  err: string[];
}

/** Splits console output into lines and recognises the guest's answers; remembers the last lines for error messages. */
export class ConsoleParser {
  private partial = '';
  private readonly recent: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly ready: RegExp;
  private readonly setupFailed: RegExp;
  private readonly data: RegExp;
  private readonly end: RegExp;
  /** Set once the driver announced itself. */
  isReady = false;

  constructor(
    token: string,
    private readonly handlers: ConsoleHandlers,
    private readonly keepLines = 40,
  ) {
    if (!/^[A-Za-z0-9]+$/.test(token)) throw new Error('the console token must be alphanumeric');
    this.ready = new RegExp(`@@PW-READY ${token}@@`);
    this.setupFailed = new RegExp(`@@PW-SETUP-FAILED ${token} (.*)@@`);
    this.data = new RegExp(`@@PW-([OE]) ${token} (\\d+) (${B64})`);
    this.end = new RegExp(`@@PW-END ${token} (\\d+) (-?\\d+) (\\d+) (\\d+)@@`);
  }

  feed(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) this.line(raw.replace(/\r/g, ''));
  }

  /** The last console lines, including a line not yet ended: what a timeout message shows. */
  tail(): string[] {
    return this.partial ? [...this.recent, this.partial] : [...this.recent];
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > this.keepLines) this.recent.shift();
  }

  private line(line: string): void {
    const data = this.data.exec(line);
    if (data) {
      const seq = Number(data[2]);
      const slot = this.pending.get(seq) ?? { out: [], err: [] };
      (data[1] === 'O' ? slot.out : slot.err).push(data[3]!);
      this.pending.set(seq, slot);
      return;
    }
    const end = this.end.exec(line);
    if (end) {
      const seq = Number(end[1]);
      const slot = this.pending.get(seq) ?? { out: [], err: [] };
      this.pending.delete(seq);
      const stdout = Buffer.from(slot.out.join(''), 'base64');
      const stderr = Buffer.from(slot.err.join(''), 'base64');
      if (stdout.length !== Number(end[3]) || stderr.length !== Number(end[4])) {
        this.handlers.error?.(
          `the answer to command ${seq} arrived damaged (${stdout.length}/${end[3]} stdout bytes, ${stderr.length}/${end[4]} stderr bytes): a kernel message probably broke into it`,
        );
        return;
      }
      this.handlers.answer({ seq, status: Number(end[2]), stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
      return;
    }
    const failed = this.setupFailed.exec(line);
    if (failed) this.handlers.setupFailed?.(failed[1]!);
    if (this.ready.test(line)) {
      this.isReady = true;
      this.handlers.ready?.();
    }
    this.remember(line);
  }
}
