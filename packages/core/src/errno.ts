/**
 * Linux errno values the livepatch core and its machine can return.
 *
 * Operations return `0` or a negative errno, as the kernel does: a failed livepatch operation is an
 * ordinary outcome to report, not an exception.
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENOEXEC: 8,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EACCES: 13,
  EISDIR: 21,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ETIMEDOUT: 110,
  EADDRINUSE: 98,
} as const;

export type ErrnoName = keyof typeof Errno;

const names = new Map<number, ErrnoName>(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** glibc's `strerror()` texts for the values above. */
const messages: Record<ErrnoName, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENOEXEC: 'Exec format error',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  ERANGE: 'Numerical result out of range',
  ENOSYS: 'Function not implemented',
  ETIMEDOUT: 'Connection timed out',
  EADDRINUSE: 'Address already in use',
};

/** `EBUSY` for `16` or `-16`; `E<n>` for a value this table does not know. */
export function errnoName(err: number): string {
  const value = Math.abs(err);
  return names.get(value) ?? `E${value}`;
}

/** glibc's `strerror()` for `err` (sign ignored). */
export function strerror(err: number): string {
  const name = names.get(Math.abs(err));
  return name ? messages[name] : `Unknown error ${Math.abs(err)}`;
}
