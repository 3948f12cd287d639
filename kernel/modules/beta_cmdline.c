// SPDX-License-Identifier: GPL-2.0
/*
 * beta_cmdline: vendor beta's livepatch of the same function as acme_cmdline
 * (cmdline_proc_show). A vendor policy should refuse it next to acme's patch.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int beta_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "beta_cmdline: patched\n");
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = beta_cmdline_proc_show },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = funcs },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init beta_cmdline_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit beta_cmdline_exit(void)
{
}

module_init(beta_cmdline_init);
module_exit(beta_cmdline_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: beta's /proc/cmdline");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "beta");
MODULE_INFO(patchwise_version, "2.1.0");
MODULE_INFO(patchwise_tags, "cmdline");
