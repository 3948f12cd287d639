/** Every failure of the harness: `code` says which step failed, the message says why and what to do. */
export class QemuError extends Error {
  override readonly name = 'QemuError';
  constructor(
    readonly code:
      | 'QEMU_MISSING'
      | 'TOOL_MISSING'
      | 'APT_RESOLVE'
      | 'APT_DOWNLOAD'
      | 'BOOT_TIMEOUT'
      | 'BOOT_FAILED'
      | 'EXEC_TIMEOUT'
      | 'GUEST_EXITED'
      | 'GUEST_CLOSED'
      | 'PROTOCOL'
      | 'BAD_INPUT',
    message: string,
  ) {
    super(message);
  }
}
