// SPDX-License-Identifier: GPL-2.0
/*
 * acme_cmdline: vendor acme's livepatch of cmdline_proc_show(). While it is
 * enabled, /proc/cmdline reads "acme_cmdline: patched" instead of the boot
 * command line, so a test can see from userspace that the patch is live.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int acme_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "acme_cmdline: patched\n");
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = acme_cmdline_proc_show },
	{ }
};

static struct klp_object objs[] = {
	{ .name = NULL /* vmlinux */, .funcs = funcs },
	{ }
};

static struct klp_state states[] = {
	{ .id = 1, .version = 1 },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
};

static int __init acme_cmdline_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit acme_cmdline_exit(void)
{
}

module_init(acme_cmdline_init);
module_exit(acme_cmdline_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: acme's /proc/cmdline");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "acme");
MODULE_INFO(patchwise_version, "1.0.0");
MODULE_INFO(patchwise_tags, "security,cmdline");
MODULE_INFO(patchwise_provides, "cmdline-fix@1.0.0");
MODULE_INFO(patchwise_published, "2026-01-15");
