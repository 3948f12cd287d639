// SPDX-License-Identifier: GPL-2.0
/*
 * acme_target_fix: a livepatch of the module pw_target (a klp_object named
 * after a module, not vmlinux). It replaces pw_target_work() and the second
 * of pw_target's two static pw_target_step() functions (old_sympos = 2).
 *
 * Its own `hold` parameter makes the replacement pw_target_work() sleep until
 * it is set back to 0: with it set, pw_target's kthread sits in this module's
 * code and disabling the patch leaves the unpatching transition stalled.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/kthread.h>
#include <linux/delay.h>

static bool hold;
module_param(hold, bool, 0644);
MODULE_PARM_DESC(hold, "1: the patched pw_target_work() sleeps until it is set back to 0");

static unsigned long calls;
module_param(calls, ulong, 0444);
MODULE_PARM_DESC(calls, "how many times the patched pw_target_work() has run");

static void acme_target_fix_work(void)
{
	WRITE_ONCE(calls, READ_ONCE(calls) + 1);
	while (READ_ONCE(hold) && !kthread_should_stop())
		msleep(20);
}

static void acme_target_fix_step(void)
{
}

static struct klp_func target_funcs[] = {
	{ .old_name = "pw_target_work", .new_func = acme_target_fix_work },
	{ .old_name = "pw_target_step", .new_func = acme_target_fix_step, .old_sympos = 2 },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "pw_target", .funcs = target_funcs },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init acme_target_fix_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit acme_target_fix_exit(void)
{
}

module_init(acme_target_fix_init);
module_exit(acme_target_fix_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: a fix for the module pw_target");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "acme");
MODULE_INFO(patchwise_version, "0.3.0");
MODULE_INFO(patchwise_tags, "pw_target");
MODULE_INFO(patchwise_requires, "cmdline-fix@>=1.0.0");
MODULE_INFO(patchwise_conflicts, "beta_cmdline@*");
