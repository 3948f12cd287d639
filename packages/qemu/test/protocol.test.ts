import { describe, expect, it } from 'vitest';
import { ConsoleParser, encodeCommand } from '@patchwise/qemu';
import type { ProtocolAnswer } from '@patchwise/qemu';

const TOKEN = 'abc123';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function collect() {
  const answers: ProtocolAnswer[] = [];
  const errors: string[] = [];
  let ready = 0;
  const parser = new ConsoleParser(TOKEN, { answer: (a) => answers.push(a), error: (e) => errors.push(e), ready: () => ready++ });
  return { parser, answers, errors, ready: () => ready };
}

describe('encodeCommand', () => {
  it('puts the sequence number and the command in base64 on one line', () => {
    expect(encodeCommand(7, "echo 'a'\nexit 2")).toBe(`7 ${b64("echo 'a'\nexit 2")}\n`);
    expect(encodeCommand(1, 'x').split('\n')).toEqual(['1 eA==', '']);
  });
});

describe('ConsoleParser', () => {
  it('sees the driver start even behind SeaBIOS escape sequences', () => {
    const c = collect();
    c.parser.feed('\x1bc\x1b[?7l\x1b[2J@@PW-READY abc123@@\r\n');
    expect(c.ready()).toBe(1);
    expect(c.parser.isReady).toBe(true);
  });

  it('ignores a ready line with another token', () => {
    const c = collect();
    c.parser.feed('@@PW-READY other@@\n');
    expect(c.ready()).toBe(0);
  });

  it('assembles stdout and stderr from chunks split anywhere, and reports the status', () => {
    const c = collect();
    const out = 'line one\nline two\n';
    const text = [
      `@@PW-O ${TOKEN} 4 ${b64(out).slice(0, 8)}`,
      `@@PW-O ${TOKEN} 4 ${b64(out).slice(8)}`,
      `@@PW-E ${TOKEN} 4 ${b64('oops\n')}`,
      `@@PW-END ${TOKEN} 4 3 ${out.length} 5@@`,
      '',
    ].join('\r\n');
    for (let i = 0; i < text.length; i += 5) c.parser.feed(text.slice(i, i + 5));
    expect(c.answers).toEqual([{ seq: 4, status: 3, stdout: out, stderr: 'oops\n' }]);
    expect(c.errors).toEqual([]);
  });

  it('answers a command with no output', () => {
    const c = collect();
    c.parser.feed(`@@PW-END ${TOKEN} 1 0 0 0@@\n`);
    expect(c.answers).toEqual([{ seq: 1, status: 0, stdout: '', stderr: '' }]);
  });

  it('skips kernel messages between answer lines and keeps them as console lines', () => {
    const c = collect();
    c.parser.feed(`[   12.3] livepatch: something\n@@PW-O ${TOKEN} 2 ${b64('ok')}\n[   12.4] more\n@@PW-END ${TOKEN} 2 0 2 0@@\n`);
    expect(c.answers[0]!.stdout).toBe('ok');
    expect(c.parser.tail()).toEqual(['[   12.3] livepatch: something', '[   12.4] more']);
  });

  it('refuses an answer whose byte count does not match what arrived', () => {
    const c = collect();
    c.parser.feed(`@@PW-O ${TOKEN} 2 ${b64('ok')}\n@@PW-END ${TOKEN} 2 0 5 0@@\n`);
    expect(c.answers).toEqual([]);
    expect(c.errors[0]).toMatch(/command 2 arrived damaged \(2\/5 stdout bytes/);
  });

  it('does not take another boot’s answers', () => {
    const c = collect();
    c.parser.feed(`@@PW-END zzz 1 0 0 0@@\n`);
    expect(c.answers).toEqual([]);
  });

  it('keeps only the last lines, plus a line not yet ended', () => {
    const answers: ProtocolAnswer[] = [];
    const parser = new ConsoleParser(TOKEN, { answer: (a) => answers.push(a) }, 3);
    parser.feed('a\nb\nc\nd\ne');
    expect(parser.tail()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('rejects a token that could break the patterns', () => {
    expect(() => new ConsoleParser('a.*', { answer: () => undefined })).toThrow(/alphanumeric/);
  });
});

describe('setup failures', () => {
  it('passes on the reason /init gave', () => {
    const reasons: string[] = [];
    const parser = new ConsoleParser(TOKEN, { answer: () => undefined, setupFailed: (r) => reasons.push(r) });
    parser.feed(`@@PW-SETUP-FAILED ${TOKEN} mounting the host root over 9p failed@@\n`);
    expect(reasons).toEqual(['mounting the host root over 9p failed']);
  });
});
