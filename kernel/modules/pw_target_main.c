// SPDX-License-Identifier: GPL-2.0
/*
 * pw_target: a plain (not livepatch) module for the tests to patch. A kthread
 * calls pw_target_work() every 100 ms; while the `hold` parameter is 1,
 * pw_target_work() does not return (it sleeps in 20 ms steps), so the kthread
 * stays inside a function a livepatch replaces and a transition stalls.
 *
 * The module is linked from two files that each define a static
 * pw_target_step(): kallsyms then lists the name twice in pw_target, which is
 * what klp_func.old_sympos exists for (acme_target_fix patches the 2nd one).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>

#include "pw_target.h"

static bool hold;
module_param(hold, bool, 0644);
MODULE_PARM_DESC(hold, "1: pw_target_work() sleeps until it is set back to 0");

static unsigned long calls;
module_param(calls, ulong, 0444);
MODULE_PARM_DESC(calls, "how many times pw_target_work() has run");

static struct task_struct *worker;

static noinline void pw_target_step(void)
{
	WRITE_ONCE(calls, READ_ONCE(calls) + 1);
}

static noinline void pw_target_work(void)
{
	while (READ_ONCE(hold) && !kthread_should_stop())
		msleep(20);
	pw_target_step();
	pw_target_dup_tick();
}

static int pw_target_thread(void *data)
{
	while (!kthread_should_stop()) {
		pw_target_work();
		msleep(100);
	}
	return 0;
}

static int __init pw_target_init(void)
{
	worker = kthread_run(pw_target_thread, NULL, "pw_target");
	return PTR_ERR_OR_ZERO(worker);
}

static void __exit pw_target_exit(void)
{
	WRITE_ONCE(hold, false);
	kthread_stop(worker);
}

module_init(pw_target_init);
module_exit(pw_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test module: a kthread that can sleep inside a patched function");
