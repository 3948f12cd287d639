/**
 * The guest's side: `/init` of the base initramfs, and the per-boot settings it reads.
 *
 * `/init` mounts the pseudo file systems, sends its stdio to the console (without that nothing is
 * printed), enables the livepatch core's pr_debug lines as the kernel's selftests do, optionally
 * mounts host folders over virtio-9p, and then runs the lock-step driver described in protocol.ts.
 */

/** Mount tags of the 9p shares; the guest mounts them at fixed places. */
export const SHARE_TAG = 'pwshare';
export const HOST_ROOT_TAG = 'pwhostroot';
export const SHARE_MOUNT = '/mnt/share';
/** The chroot of the host root: where commands run when `hostRoot` is on. */
export const NEW_ROOT = '/newroot';

export interface GuestSettings {
  readonly token: string;
  readonly share: boolean;
  readonly hostRoot: boolean;
  /** Payload paths to copy into the chroot when `hostRoot` is on. */
  readonly payload: readonly string[];
}

/** One shell word, whatever `value` holds. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `/etc/pw.conf`: sourced by /init; built from values the host chose, never from guest input. */
export function settingsFile(settings: GuestSettings): string {
  if (!/^[A-Za-z0-9]+$/.test(settings.token)) throw new Error('the console token must be alphanumeric');
  return [
    `PW_TOKEN=${settings.token}`,
    `PW_SHARE=${settings.share ? 1 : 0}`,
    `PW_HOSTROOT=${settings.hostRoot ? 1 : 0}`,
    `PW_PAYLOAD=${shellWord(settings.payload.join('\n'))}`,
    '',
  ].join('\n');
}

export const INIT_SCRIPT = `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
. /etc/pw.conf
echo 'file kernel/livepatch/* +p' > /sys/kernel/debug/dynamic_debug/control

# Tells the host that setting up failed; it stops waiting and shows the console.
pw_fail() { echo "@@PW-SETUP-FAILED $PW_TOKEN $*@@"; sleep 5; poweroff -f; }
# The virtio device may be probed a moment after its driver loads: retry a 9p mount for a while.
mount_9p() {
  i=0
  until mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose "$1" "$2" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.2
  done
}

if [ "$PW_SHARE" = 1 ] || [ "$PW_HOSTROOT" = 1 ]; then
  for m in $(cat /lib/pw/modules.order); do insmod /lib/pw/$m.ko || pw_fail "insmod $m failed"; done
fi
if [ "$PW_SHARE" = 1 ]; then
  mkdir -p ${SHARE_MOUNT}
  mount_9p ${SHARE_TAG} ${SHARE_MOUNT} || pw_fail "mounting the 9p share ${SHARE_TAG} failed"
fi
PW_ROOT=
if [ "$PW_HOSTROOT" = 1 ]; then
  mkdir -p /host /ovl ${NEW_ROOT}
  mount_9p ${HOST_ROOT_TAG} /host || pw_fail "mounting the host root over 9p failed"
  mount -t tmpfs tmpfs /ovl
  mkdir -p /ovl/upper /ovl/work
  mount -t overlay overlay -o lowerdir=/host,upperdir=/ovl/upper,workdir=/ovl/work ${NEW_ROOT} || pw_fail "the overlay on the host root failed"
  for d in proc sys dev; do mount --rbind /$d ${NEW_ROOT}/$d; done
  # No tmpfs over the chroot's /tmp: the host's checkout may live there (CI clones anywhere), and the
  # overlay already keeps every write in memory.
  mkdir -p ${NEW_ROOT}/.pw/bin
  cp /bin/busybox ${NEW_ROOT}/.pw/bin/busybox
  # Inside the chroot, so the links name the busybox the chroot sees.
  chroot ${NEW_ROOT} /.pw/bin/busybox --install -s /.pw/bin
  if [ "$PW_SHARE" = 1 ]; then mkdir -p ${NEW_ROOT}${SHARE_MOUNT}; mount --bind ${SHARE_MOUNT} ${NEW_ROOT}${SHARE_MOUNT}; fi
  echo "$PW_PAYLOAD" | while IFS= read -r p; do
    [ -n "$p" ] || continue
    mkdir -p "${NEW_ROOT}$(dirname "$p")"
    cp -a "$p" "${NEW_ROOT}$p"
  done
  PW_ROOT=${NEW_ROOT}
fi

stty raw -echo
echo "@@PW-READY $PW_TOKEN@@"
while IFS= read -r line; do
  seq=\${line%% *}
  printf '%s' "\${line#* }" | base64 -d > $PW_ROOT/tmp/.pw-cmd
  if [ -n "$PW_ROOT" ]; then
    chroot $PW_ROOT /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/.pw/bin /bin/sh /tmp/.pw-cmd </dev/null >/tmp/.pw-out 2>/tmp/.pw-err
  else
    sh /tmp/.pw-cmd </dev/null >/tmp/.pw-out 2>/tmp/.pw-err
  fi
  st=$?
  # Every process costs tens of milliseconds under TCG: empty outputs skip the encoding.
  no=0; ne=0
  if [ -s /tmp/.pw-out ]; then no=$(stat -c %s /tmp/.pw-out); base64 /tmp/.pw-out | sed "s/^/@@PW-O $PW_TOKEN $seq /"; fi
  if [ -s /tmp/.pw-err ]; then ne=$(stat -c %s /tmp/.pw-err); base64 /tmp/.pw-err | sed "s/^/@@PW-E $PW_TOKEN $seq /"; fi
  echo "@@PW-END $PW_TOKEN $seq $st $no $ne@@"
done
poweroff -f
`;
