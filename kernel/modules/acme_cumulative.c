// SPDX-License-Identifier: GPL-2.0
/*
 * acme_cumulative: acme's cumulative patch (atomic replace). It supersedes
 * acme_cmdline: /proc/cmdline reads "acme_cumulative: patched", and it also
 * patches version_proc_show() so /proc/version reads
 * "acme_cumulative: version". It carries klp_state 1 at version 2 (acme_cmdline
 * has version 1), so the kernel accepts it as acme_cmdline's successor.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int acme_cumulative_cmdline_show(struct seq_file *m, void *v)
{
	seq_puts(m, "acme_cumulative: patched\n");
	return 0;
}

static int acme_cumulative_version_show(struct seq_file *m, void *v)
{
	seq_puts(m, "acme_cumulative: version\n");
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = acme_cumulative_cmdline_show },
	{ .old_name = "version_proc_show", .new_func = acme_cumulative_version_show },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = funcs },
	{ }
};

static struct klp_state states[] = {
	{ .id = 1, .version = 2 },
	{ .id = 7, .version = 1 },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
	.replace = true,
};

static int __init acme_cumulative_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit acme_cumulative_exit(void)
{
}

module_init(acme_cumulative_init);
module_exit(acme_cumulative_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: acme's cumulative patch");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "acme");
MODULE_INFO(patchwise_version, "1.1.0");
MODULE_INFO(patchwise_tags, "security,cmdline,cumulative");
MODULE_INFO(patchwise_provides, "cmdline-fix@1.1.0");
MODULE_INFO(patchwise_replace_set, "acme");
MODULE_INFO(patchwise_published, "2026-02-01");
