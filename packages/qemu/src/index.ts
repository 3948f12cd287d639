export { bootGuest } from './guest.js';
export { realKernelUnavailable } from './availability.js';
export { cacheDir } from './cache.js';
export { QemuError } from './errors.js';
export { buildArchive, checkGuestPath } from './initramfs.js';
export { INIT_SCRIPT, settingsFile, SHARE_MOUNT, NEW_ROOT } from './init-script.js';
export { ConsoleParser, encodeCommand } from './protocol.js';
export { fetchKernel, isKernelSeries, KERNEL_SERIES, parseShow, resolveKernel } from './kernels.js';
export { modinfoDepends } from './modinfo.js';
export { appletLinks, baseInitramfs } from './base-image.js';

export type { BootOptions, ExecOptions, Guest } from './guest.js';
export type { ArchiveEntry, PayloadFile } from './initramfs.js';
export type { GuestSettings } from './init-script.js';
export type { ConsoleHandlers, ExecResult, ProtocolAnswer } from './protocol.js';
export type { DebPackage, Dependency, Kernel, KernelPackages, KernelSeries } from './kernels.js';
