/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PW_TARGET_H
#define PW_TARGET_H

void pw_target_dup_tick(void);

#endif
