// SPDX-License-Identifier: GPL-2.0
/* The second static pw_target_step() of pw_target (see pw_target_main.c). */
#include <linux/compiler.h>

#include "pw_target.h"

static unsigned long dup_steps;

static noinline void pw_target_step(void)
{
	WRITE_ONCE(dup_steps, READ_ONCE(dup_steps) + 1);
}

void pw_target_dup_tick(void)
{
	pw_target_step();
}
