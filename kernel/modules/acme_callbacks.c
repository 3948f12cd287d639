// SPDX-License-Identifier: GPL-2.0
/*
 * acme_callbacks: a livepatch with per-object callbacks. For vmlinux it has all
 * four (pre_patch, post_patch, pre_unpatch, post_unpatch) and patches
 * loadavg_proc_show() (/proc/loadavg reads "acme_callbacks: patched"); for the
 * module pw_target it has pre_patch and post_unpatch only and patches the
 * first pw_target_step() (old_sympos = 1). Each callback logs one line.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int acme_callbacks_loadavg_show(struct seq_file *m, void *v)
{
	seq_puts(m, "acme_callbacks: patched\n");
	return 0;
}

static void acme_callbacks_step(void)
{
}

static const char *obj_name(struct klp_object *obj)
{
	return obj->name ? obj->name : "vmlinux";
}

static int pre_patch(struct klp_object *obj)
{
	pr_info("acme_callbacks: pre_patch %s\n", obj_name(obj));
	return 0;
}

static void post_patch(struct klp_object *obj)
{
	pr_info("acme_callbacks: post_patch %s\n", obj_name(obj));
}

static void pre_unpatch(struct klp_object *obj)
{
	pr_info("acme_callbacks: pre_unpatch %s\n", obj_name(obj));
}

static void post_unpatch(struct klp_object *obj)
{
	pr_info("acme_callbacks: post_unpatch %s\n", obj_name(obj));
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "loadavg_proc_show", .new_func = acme_callbacks_loadavg_show },
	{ }
};

static struct klp_func target_funcs[] = {
	{ .old_name = "pw_target_step", .new_func = acme_callbacks_step, .old_sympos = 1 },
	{ }
};

static struct klp_object objs[] = {
	{
		.funcs = vmlinux_funcs,
		.callbacks = {
			.pre_patch = pre_patch,
			.post_patch = post_patch,
			.pre_unpatch = pre_unpatch,
			.post_unpatch = post_unpatch,
		},
	},
	{
		.name = "pw_target",
		.funcs = target_funcs,
		.callbacks = {
			.pre_patch = pre_patch,
			.post_unpatch = post_unpatch,
		},
	},
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init acme_callbacks_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit acme_callbacks_exit(void)
{
}

module_init(acme_callbacks_init);
module_exit(acme_callbacks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: per-object callbacks");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "acme");
MODULE_INFO(patchwise_version, "0.1.0");
MODULE_INFO(patchwise_tags, "callbacks");
